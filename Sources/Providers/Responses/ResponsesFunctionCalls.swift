import AgentCore
import JSONRPC

/// The function calls of one streamed response, assembled by item.
///
/// Argument deltas name their call only by the `fc_…` item id (or, failing that, its `output_index`), while
/// the `call_id` that a `function_call_output` must reference appears only on the `function_call` item. So
/// calls are keyed by item id, and the `call_id` and name come from the item.
struct ResponsesFunctionCalls {
  private struct Call {
    var itemID: String?
    var outputIndex: Int?
    var callID = ""
    var name = ""
    var arguments = ""
  }

  /// In the order the provider first mentioned them, which is output order.
  private var calls: [Call] = []

  var isEmpty: Bool { calls.isEmpty }

  /// Records a `function_call` item from `response.output_item.added` or `.done`, or from the final
  /// response's `output`.
  ///
  /// The item's non-empty fields replace what was streamed, because the provider's item is authoritative.
  mutating func record(item: JSONValue, outputIndex: Int?) {
    let position = self.position(itemID: item["id"]?.stringValue, outputIndex: outputIndex)
    if let callID = item["call_id"]?.stringValue, !callID.isEmpty { calls[position].callID = callID }
    if let name = item["name"]?.stringValue, !name.isEmpty { calls[position].name = name }
    if let arguments = item["arguments"]?.stringValue, !arguments.isEmpty { calls[position].arguments = arguments }
  }

  /// Appends a `response.function_call_arguments.delta` fragment to its call.
  mutating func appendArguments(_ fragment: String, itemID: String?, outputIndex: Int?) {
    calls[position(itemID: itemID, outputIndex: outputIndex)].arguments += fragment
  }

  /// Replaces a call's arguments with the whole text from `response.function_call_arguments.done`.
  mutating func setArguments(_ arguments: String, itemID: String?, outputIndex: Int?) {
    calls[position(itemID: itemID, outputIndex: outputIndex)].arguments = arguments
  }

  /// Returns the whole calls, identified by `call_id`. Empty arguments become `{}`.
  ///
  /// Throws when a call never received its `call_id` or name, because its result could not be sent back.
  func completedCalls() throws(ProviderError) -> [ToolCall] {
    var completed: [ToolCall] = []
    for call in calls {
      guard !call.callID.isEmpty, !call.name.isEmpty else {
        throw ProviderError(
          kind: .invalidResponse,
          message: "The provider streamed a function call (item \(call.itemID ?? "without an id")) that has no "
            + "call_id or name, so its result could not be sent back. Check that provider.baseUrl serves the "
            + "OpenAI Responses API.")
      }
      completed.append(
        ToolCall(id: call.callID, name: call.name, arguments: call.arguments.isEmpty ? "{}" : call.arguments))
    }
    return completed
  }

  /// Returns the index of the call with this item id, else with this output index, else of a new call.
  private mutating func position(itemID: String?, outputIndex: Int?) -> Int {
    if let itemID, let found = calls.firstIndex(where: { $0.itemID == itemID }) {
      return found
    }
    if let outputIndex, let found = calls.firstIndex(where: { $0.outputIndex == outputIndex }) {
      if calls[found].itemID == nil || itemID == nil {
        calls[found].itemID = calls[found].itemID ?? itemID
        return found
      }
    }
    calls.append(Call(itemID: itemID, outputIndex: outputIndex))
    return calls.count - 1
  }
}
