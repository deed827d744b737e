/// Streams as the providers send them, written out from their documented formats and recorded fixtures, so
/// tests can compare the shape of what the mock sends with the real thing.
enum ReferenceStreams {
  /// api.openai.com Chat Completions: a text reply with the usage chunk.
  static let openAIChatText = #"""
    data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"q1w2"}

    data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"e3r4t5"}

    data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{"content":" there!"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"y6"}

    data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_x","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null,"obfuscation":"u7i8o9"}

    data: {"id":"chatcmpl-A1","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_x","choices":[],"usage":{"prompt_tokens":14,"completion_tokens":3,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"p0"}

    data: [DONE]


    """#

  /// Azure OpenAI Chat Completions: a text reply with the usage chunk.
  static let azureChatText = #"""
    data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}

    data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-Az1","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_x"}

    data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hello there!"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-Az1","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_x"}

    data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-Az1","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_x"}

    data: {"choices":[],"created":1750697159,"id":"chatcmpl-Az1","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_x","usage":{"completion_tokens":3,"prompt_tokens":14,"total_tokens":17}}

    data: [DONE]


    """#

  /// Ollama's OpenAI-compatible layer: a text reply with the usage chunk.
  static let ollamaChatText = #"""
    data: {"id":"chatcmpl-417","object":"chat.completion.chunk","created":1735689600,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}

    data: {"id":"chatcmpl-417","object":"chat.completion.chunk","created":1735689600,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"content":" there!"},"finish_reason":null}]}

    data: {"id":"chatcmpl-417","object":"chat.completion.chunk","created":1735689600,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

    data: {"id":"chatcmpl-417","object":"chat.completion.chunk","created":1735689600,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":26,"completion_tokens":3,"total_tokens":29}}

    data: [DONE]


    """#

  /// Ollama's OpenAI-compatible layer: one whole tool call with the usage chunk.
  static let ollamaChatToolCall = #"""
    data: {"id":"chatcmpl-52","object":"chat.completion.chunk","created":1735689601,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"id":"call_k3j2h1g0","index":0,"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":null}]}

    data: {"id":"chatcmpl-52","object":"chat.completion.chunk","created":1735689601,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

    data: {"id":"chatcmpl-52","object":"chat.completion.chunk","created":1735689601,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":169,"completion_tokens":15,"total_tokens":184}}

    data: [DONE]


    """#

  /// OpenAI Responses: a text reply.
  static let responsesText = #"""
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

  /// OpenAI Responses: one function call with its arguments in two deltas.
  static let responsesToolCall = #"""
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

  /// Anthropic Messages: a text reply.
  static let anthropicText = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_01A","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: ping
    data: {"type": "ping"}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there!"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}

    event: message_stop
    data: {"type":"message_stop"}


    """#

  /// Anthropic Messages: a text block, then one tool_use block.
  static let anthropicToolCall = #"""
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_01B","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":377,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}

    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

    event: ping
    data: {"type": "ping"}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I'll check the weather."}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}

    event: content_block_start
    data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":1}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":58}}

    event: message_stop
    data: {"type":"message_stop"}


    """#

  /// Anthropic Messages: one thinking block with its signature.
  static let anthropicThinkingBlock = #"""
    event: content_block_start
    data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants the weather."}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."}}

    event: content_block_stop
    data: {"type":"content_block_stop","index":0}


    """#
}
