/// Recorded Responses API streams, one SSE event per `event:` and `data:` pair.
///
/// The first five follow the OpenAI Responses streaming format, with each `response` object trimmed to the
/// fields a client reads. The others were written by hand in the same format, for cases the first five lack.
enum ResponsesTranscripts {
  /// Every transcript by name, for tests that run on each.
  static let all: [String: String] = [
    "plainText": plainText, "oneToolCall": oneToolCall, "sequentialToolCalls": sequentialToolCalls,
    "failedMidStream": failedMidStream, "errorMidStream": errorMidStream, "reasoningThenCall": reasoningThenCall,
    "interleavedToolCalls": interleavedToolCalls, "incompleteToolCall": incompleteToolCall,
  ]

  /// A plain text answer.
  static let plainText = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_A1","object":"response","created_at":1735689600,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.in_progress
    data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_A1","object":"response","created_at":1735689600,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_A1","type":"message","status":"in_progress","role":"assistant","content":[]}}

    event: response.content_part.added
    data: {"type":"response.content_part.added","sequence_number":3,"item_id":"msg_A1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

    event: response.output_text.delta
    data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_A1","output_index":0,"content_index":0,"delta":"Hello","logprobs":[]}

    event: response.output_text.delta
    data: {"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_A1","output_index":0,"content_index":0,"delta":" there!","logprobs":[]}

    event: response.output_text.done
    data: {"type":"response.output_text.done","sequence_number":6,"item_id":"msg_A1","output_index":0,"content_index":0,"text":"Hello there!","logprobs":[]}

    event: response.content_part.done
    data: {"type":"response.content_part.done","sequence_number":7,"item_id":"msg_A1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Hello there!","annotations":[]}}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"msg_A1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello there!","annotations":[]}]}}

    event: response.completed
    data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_A1","object":"response","created_at":1735689600,"status":"completed","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[{"id":"msg_A1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello there!","annotations":[]}]}],"usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":16}}}


    """#

  /// One tool call whose arguments arrive in two deltas.
  static let oneToolCall = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_B1","object":"response","created_at":1735689601,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.in_progress
    data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_B1","object":"response","created_at":1735689601,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"fc_B1","type":"function_call","status":"in_progress","call_id":"call_X1","name":"get_weather","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_B1","output_index":0,"delta":"{\"city\":"}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_B1","output_index":0,"delta":"\"Paris\"}"}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":5,"item_id":"fc_B1","output_index":0,"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":6,"output_index":0,"item":{"id":"fc_B1","type":"function_call","status":"completed","call_id":"call_X1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}

    event: response.completed
    data: {"type":"response.completed","sequence_number":7,"response":{"id":"resp_B1","object":"response","created_at":1735689601,"status":"completed","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[{"id":"fc_B1","type":"function_call","status":"completed","call_id":"call_X1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}],"usage":{"input_tokens":60,"input_tokens_details":{"cached_tokens":0},"output_tokens":18,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":78}}}


    """#

  /// Two tool calls, streamed one after the other.
  static let sequentialToolCalls = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_C1","object":"response","created_at":1735689602,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.in_progress
    data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_C1","object":"response","created_at":1735689602,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"fc_C1","type":"function_call","status":"in_progress","call_id":"call_P1","name":"get_weather","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_C1","output_index":0,"delta":"{\"city\":\"Paris\"}"}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":4,"item_id":"fc_C1","output_index":0,"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":5,"output_index":0,"item":{"id":"fc_C1","type":"function_call","status":"completed","call_id":"call_P1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":6,"output_index":1,"item":{"id":"fc_C2","type":"function_call","status":"in_progress","call_id":"call_P2","name":"get_weather","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":7,"item_id":"fc_C2","output_index":1,"delta":"{\"city\":\"Rome\"}"}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":8,"item_id":"fc_C2","output_index":1,"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":9,"output_index":1,"item":{"id":"fc_C2","type":"function_call","status":"completed","call_id":"call_P2","name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}

    event: response.completed
    data: {"type":"response.completed","sequence_number":10,"response":{"id":"resp_C1","object":"response","created_at":1735689602,"status":"completed","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[{"id":"fc_C1","type":"function_call","status":"completed","call_id":"call_P1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},{"id":"fc_C2","type":"function_call","status":"completed","call_id":"call_P2","name":"get_weather","arguments":"{\"city\":\"Rome\"}"}],"usage":{"input_tokens":61,"input_tokens_details":{"cached_tokens":0},"output_tokens":36,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":97}}}


    """#

  /// Text, then `response.failed`.
  static let failedMidStream = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_D1","object":"response","created_at":1735689603,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_D1","type":"message","status":"in_progress","role":"assistant","content":[]}}

    event: response.content_part.added
    data: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_D1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

    event: response.output_text.delta
    data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_D1","output_index":0,"content_index":0,"delta":"The answer is","logprobs":[]}

    event: response.failed
    data: {"type":"response.failed","sequence_number":4,"response":{"id":"resp_D1","object":"response","created_at":1735689603,"status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."},"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}


    """#

  /// Text, then the `error` event that some streams send in place of `response.failed`.
  static let errorMidStream = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_D1","object":"response","created_at":1735689603,"status":"in_progress","error":null,"incomplete_details":null,"model":"gpt-4.1-2025-04-14","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_D1","type":"message","status":"in_progress","role":"assistant","content":[]}}

    event: response.content_part.added
    data: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_D1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

    event: response.output_text.delta
    data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_D1","output_index":0,"content_index":0,"delta":"The answer is","logprobs":[]}

    event: error
    data: {"type":"error","sequence_number":4,"code":"server_error","message":"The server had an error while processing your request.","param":null}


    """#

  /// A reasoning item with two summary parts and encrypted content, then a tool call.
  static let reasoningThenCall = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_R1","object":"response","created_at":1735689700,"status":"in_progress","error":null,"incomplete_details":null,"model":"o4-mini-2025-04-16","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"rs_R1","type":"reasoning","summary":[]}}

    event: response.reasoning_summary_part.added
    data: {"type":"response.reasoning_summary_part.added","sequence_number":2,"item_id":"rs_R1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}

    event: response.reasoning_summary_text.delta
    data: {"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_R1","output_index":0,"summary_index":0,"delta":"Checking"}

    event: response.reasoning_summary_text.delta
    data: {"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_R1","output_index":0,"summary_index":0,"delta":" the weather."}

    event: response.reasoning_summary_text.done
    data: {"type":"response.reasoning_summary_text.done","sequence_number":5,"item_id":"rs_R1","output_index":0,"summary_index":0,"text":"Checking the weather."}

    event: response.reasoning_summary_part.done
    data: {"type":"response.reasoning_summary_part.done","sequence_number":6,"item_id":"rs_R1","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":"Checking the weather."}}

    event: response.reasoning_summary_part.added
    data: {"type":"response.reasoning_summary_part.added","sequence_number":7,"item_id":"rs_R1","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":""}}

    event: response.reasoning_summary_text.delta
    data: {"type":"response.reasoning_summary_text.delta","sequence_number":8,"item_id":"rs_R1","output_index":0,"summary_index":1,"delta":"Calling the tool."}

    event: response.reasoning_summary_text.done
    data: {"type":"response.reasoning_summary_text.done","sequence_number":9,"item_id":"rs_R1","output_index":0,"summary_index":1,"text":"Calling the tool."}

    event: response.reasoning_summary_part.done
    data: {"type":"response.reasoning_summary_part.done","sequence_number":10,"item_id":"rs_R1","output_index":0,"summary_index":1,"part":{"type":"summary_text","text":"Calling the tool."}}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":11,"output_index":0,"item":{"id":"rs_R1","type":"reasoning","summary":[{"type":"summary_text","text":"Checking the weather."},{"type":"summary_text","text":"Calling the tool."}],"encrypted_content":"gAAAAB-opaque-reasoning-R1"}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":12,"output_index":1,"item":{"id":"fc_R1","type":"function_call","status":"in_progress","call_id":"call_R1","name":"get_weather","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":13,"item_id":"fc_R1","output_index":1,"delta":"{\"city\":\"Paris\"}"}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":14,"item_id":"fc_R1","output_index":1,"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":15,"output_index":1,"item":{"id":"fc_R1","type":"function_call","status":"completed","call_id":"call_R1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}

    event: response.completed
    data: {"type":"response.completed","sequence_number":16,"response":{"id":"resp_R1","object":"response","created_at":1735689700,"status":"completed","error":null,"incomplete_details":null,"model":"o4-mini-2025-04-16","output":[{"id":"rs_R1","type":"reasoning","summary":[{"type":"summary_text","text":"Checking the weather."},{"type":"summary_text","text":"Calling the tool."}],"encrypted_content":"gAAAAB-opaque-reasoning-R1"},{"id":"fc_R1","type":"function_call","status":"completed","call_id":"call_R1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}],"usage":{"input_tokens":70,"input_tokens_details":{"cached_tokens":0},"output_tokens":90,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":160}}}


    """#

  /// Two tool calls whose argument deltas alternate, so only `item_id` distinguishes them.
  static let interleavedToolCalls = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_I1","object":"response","created_at":1735689700,"status":"in_progress","error":null,"incomplete_details":null,"model":"o4-mini-2025-04-16","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_I1","type":"function_call","status":"in_progress","call_id":"call_I1","name":"get_weather","arguments":""}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":2,"output_index":1,"item":{"id":"fc_I2","type":"function_call","status":"in_progress","call_id":"call_I2","name":"get_time","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":3,"item_id":"fc_I2","output_index":1,"delta":"{\"zone\":"}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":4,"item_id":"fc_I1","output_index":0,"delta":"{\"city\":"}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_I2","output_index":1,"delta":"\"UTC\"}"}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":6,"item_id":"fc_I1","output_index":0,"delta":"\"Oslo\"}"}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":7,"item_id":"fc_I1","output_index":0,"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":8,"output_index":0,"item":{"id":"fc_I1","type":"function_call","status":"completed","call_id":"call_I1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}

    event: response.function_call_arguments.done
    data: {"type":"response.function_call_arguments.done","sequence_number":9,"item_id":"fc_I2","output_index":1,"name":"get_time","arguments":"{\"zone\":\"UTC\"}"}

    event: response.output_item.done
    data: {"type":"response.output_item.done","sequence_number":10,"output_index":1,"item":{"id":"fc_I2","type":"function_call","status":"completed","call_id":"call_I2","name":"get_time","arguments":"{\"zone\":\"UTC\"}"}}

    event: response.completed
    data: {"type":"response.completed","sequence_number":11,"response":{"id":"resp_I1","object":"response","created_at":1735689700,"status":"completed","error":null,"incomplete_details":null,"model":"o4-mini-2025-04-16","output":[{"id":"fc_I1","type":"function_call","status":"completed","call_id":"call_I1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},{"id":"fc_I2","type":"function_call","status":"completed","call_id":"call_I2","name":"get_time","arguments":"{\"zone\":\"UTC\"}"}],"usage":{"input_tokens":61,"output_tokens":40,"total_tokens":101}}}


    """#

  /// A tool call cut off by `max_output_tokens`, ending with `response.incomplete`.
  static let incompleteToolCall = #"""
    event: response.created
    data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_T1","object":"response","created_at":1735689700,"status":"in_progress","error":null,"incomplete_details":null,"model":"o4-mini-2025-04-16","output":[],"usage":null}}

    event: response.output_item.added
    data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"fc_T1","type":"function_call","status":"in_progress","call_id":"call_T1","name":"get_weather","arguments":""}}

    event: response.function_call_arguments.delta
    data: {"type":"response.function_call_arguments.delta","sequence_number":2,"item_id":"fc_T1","output_index":0,"delta":"{\"city\":\"Pa"}

    event: response.incomplete
    data: {"type":"response.incomplete","sequence_number":3,"response":{"id":"resp_T1","object":"response","created_at":1735689700,"status":"incomplete","error":null,"incomplete_details":{"reason":"max_output_tokens"},"model":"o4-mini-2025-04-16","output":[{"id":"fc_T1","type":"function_call","status":"incomplete","call_id":"call_T1","name":"get_weather","arguments":"{\"city\":\"Pa"}],"usage":{"input_tokens":60,"output_tokens":16,"total_tokens":76}}}


    """#
}
