import Foundation


// Use one Foundation type so the library stays linked and its initializers run.
let url = URL(string: "http://127.0.0.1/")!
if url.host == nil {
  print("no host")
}

// With --print-memory, print the VmRSS and VmHWM lines of /proc/self/status before exiting. A parent
// cannot read them after exit, and wait4's ru_maxrss still counts the forking parent's pages.
if CommandLine.arguments.dropFirst().first == "--print-memory",
  let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)
{
  for line in status.split(separator: "\n") where line.hasPrefix("VmRSS") || line.hasPrefix("VmHWM") {
    print(line)
  }
}
