import Foundation
import FoundationNetworking

// Use one FoundationNetworking type so the library stays linked and its initializers run.
let request = URLRequest(url: URL(string: "http://127.0.0.1/")!)
if request.httpMethod == nil {
  print("no method")
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
