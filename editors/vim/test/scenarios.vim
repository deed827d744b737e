vim9script
# Editor side of editors/vim/test.sh: runs the scenario named by $BYOK_TEST_SCENARIO against the real
# byok-host and the mock provider the harness started, writes one PASS or FAIL line per check to
# $BYOK_TEST_RESULTS, and quits Vim, which makes the plugin shut the host down.

runtime plugin/byok.vim

const scenario = $BYOK_TEST_SCENARIO
const results = $BYOK_TEST_RESULTS

# Seconds to wait for anything the host or the mock provider does.
const wait_seconds = 15.0

def Check(name: string, ok: bool, detail: any = '')
  if ok
    writefile([$'PASS {scenario}: {name}'], results, 'a')
  else
    # One line per check: the harness reads the results file line by line.
    var text = type(detail) == v:t_string ? detail : string(detail)
    writefile([$'FAIL {scenario}: {name}: {substitute(text, "\n", '\\n', 'g')}'], results, 'a')
  endif
enddef

def CheckEqual(name: string, actual: any, expected: any)
  Check(name, actual == expected, $'expected {string(expected)}, got {string(actual)}')
enddef

def WaitFor(Condition: func(): bool): bool
  var start = reltime()
  while !Condition()
    if reltimefloat(reltime(start)) > wait_seconds
      return false
    endif
    sleep 10m
  endwhile
  return true
enddef

def Setup(overrides: dict<any> = {})
  g:byok = extend({
    model: 'mock-model',
    provider: {type: 'openai', baseUrl: $BYOK_TEST_BASE_URL, apiKeyEnv: 'BYOK_TEST_API_KEY'},
    args: ['--log-level', 'debug'],
    log_file: $BYOK_TEST_LOG_FILE,
  }, overrides)
enddef

def WritePid()
  writefile([string(byok#Status().pid)], $BYOK_TEST_PID_FILE)
enddef

def ChatLines(): list<string>
  return getbufline(byok#ChatBufferNumber(), 1, '$')
enddef

def ChatText(): string
  return join(ChatLines(), "\n")
enddef

def Contains(text: string, part: string): bool
  return stridx(text, part) >= 0
enddef

# The text under the last "## Assistant" heading, up to the next note, without trailing empty lines.
def AnswerText(): string
  var lines = ChatLines()
  var start = -1
  for index in range(len(lines) - 1, 0, -1)
    if lines[index] == '## Assistant'
      start = index + 1
      break
    endif
  endfor
  if start < 0
    return ''
  endif
  var answer: list<string> = []
  for line in lines[start :]
    if line =~ '^\['
      break
    endif
    answer->add(line)
  endfor
  while !empty(answer) && answer[-1] == ''
    remove(answer, -1)
  endwhile
  return join(answer, "\n")
enddef

def TurnsFinished(count: number): bool
  return WaitFor(() => byok#Status().turns_finished >= count)
enddef

def CountMatches(text: string, part: string): number
  var count = 0
  var start = stridx(text, part)
  while start >= 0
    count += 1
    start = stridx(text, part, start + len(part))
  endwhile
  return count
enddef

const streamed_reply = "Héllo, wörld ✓ 🙂\nsecond line"
const no_idle = $'no session.idle within {wait_seconds} s'

var snapshots: list<string> = []

def Snapshot(): bool
  var text = AnswerText()
  if text != '' && (empty(snapshots) || snapshots[-1] != text)
    snapshots->add(text)
  endif
  return byok#Status().turns_finished >= 1
enddef

def Stream()
  Setup()
  ByokSend Say hello
  WritePid()
  Check('turn finished', WaitFor(Snapshot), no_idle)
  CheckEqual('answer equals the scripted reply', AnswerText(), streamed_reply)

  # The chunks arrive 150 ms apart, so a plugin that showed the answer only at the end has one snapshot.
  var growing = len(snapshots) >= 3
  var previous = ''
  for snapshot in snapshots
    if strpart(streamed_reply, 0, len(snapshot)) != snapshot || len(snapshot) <= len(previous)
      growing = false
    endif
    previous = snapshot
  endfor
  Check('answer grew chunk by chunk, in order', growing, snapshots)
  Check('prompt shown above the answer', Contains(ChatText(), "## You\nSay hello\n\n## Assistant"), ChatText())

  ByokLog
  var log = join(getline(1, '$'), "\n")
  Check('ByokLog shows the host''s stderr', Contains(log, 'Session created'), log)
enddef

def NoStream()
  Setup({streaming: false})
  byok#Send('Say hello')
  WritePid()
  Check('turn finished', TurnsFinished(1), no_idle)
  CheckEqual('answer from assistant.message', AnswerText(), streamed_reply)
enddef

def Large()
  var expected = join(readfile($BYOK_TEST_EXPECTED, 'b'), "\n")
  Setup()
  byok#Send('Send a long text')
  WritePid()
  Check('turn finished', TurnsFinished(1), no_idle)
  var answer = AnswerText()
  var detail = ''
  if answer != expected
    var index = 0
    while strpart(answer, index, 1) == strpart(expected, index, 1) && index < len(expected)
      index += 1
    endwhile
    detail = $'got {len(answer)} bytes, expected {len(expected)}, first difference at byte {index + 1}'
  endif
  Check('large multibyte answer arrived intact', answer == expected, detail)
enddef

var questions: list<string> = []
var looked_up: list<string> = []
var decisions = [true, false]

def LookUpWord(arguments: dict<any>): string
  looked_up->add(arguments.word)
  return arguments.word .. ': a fruit'
enddef

def AnswerQuestion(question: string): bool
  questions->add(question)
  return remove(decisions, 0)
enddef

def Permission()
  Setup({
    tools: [{
      name: 'lookup_word',
      description: 'Looks up a word in the editor''s dictionary.',
      parameters: {type: 'object', properties: {word: {type: 'string'}}, required: ['word']},
      handler: LookUpWord,
    }],
    request_permission: true,
    confirm: AnswerQuestion,
  })
  byok#Send('Define apple')
  WritePid()
  Check('approved turn finished', TurnsFinished(1), no_idle)
  byok#Send('Define pear')
  Check('rejected turn finished', TurnsFinished(2), no_idle)

  CheckEqual('user asked once per tool call', len(questions), 2)
  var first = get(questions, 0, '')
  Check('question names the tool and its arguments', Contains(first, 'lookup_word') && Contains(first, '"apple"'), first)
  CheckEqual('only the approved call ran', looked_up, ['apple'])
  var text = ChatText()
  Check('approved result reached the model', Contains(text, 'Approved tool ran.'), text)
  Check('rejection reached the model', Contains(text, 'Rejected tool did not run.'), text)
  Check('decisions shown in the chat',
    Contains(text, '[permission] lookup_word {"word":"apple"}: approved')
    && Contains(text, '[permission] lookup_word {"word":"pear"}: rejected'), text)
enddef

def Error()
  Setup()
  byok#Send('Hello')
  WritePid()
  Check('turn finished', TurnsFinished(1), no_idle)
  var text = ChatText()
  Check('error shown in the chat buffer',
    Contains(text, '[error] ') && Contains(text, 'Incorrect API key provided: sk-wrong.'), text)
  var messages = execute('messages')
  Check('error shown in :messages', Contains(messages, 'Incorrect API key provided: sk-wrong.'), messages)
enddef

def Abort()
  Setup()
  byok#Send('Count slowly')
  WritePid()
  Check('first reply started', WaitFor(() => AnswerText() == 'one two '), ChatText())
  ByokAbort
  Check('ByokAbort ended the turn', TurnsFinished(1), no_idle)
  Check('abort shown after the partial answer', Contains(ChatText(), "one two \n[aborted]"), ChatText())

  byok#Send('Count again')
  Check('second reply started', WaitFor(() => AnswerText() == 'five six '), ChatText())
  # <leader>aa with the default leader, typed as keys so that the mapping runs.
  execute "normal \\aa"
  Check('abort key ended the turn', TurnsFinished(2), no_idle)
  CheckEqual('two aborts shown', CountMatches(ChatText(), '[aborted]'), 2)
enddef

def ResumeFirst()
  Setup()
  byok#Send('Remember the word zebra')
  WritePid()
  Check('turn finished', TurnsFinished(1), no_idle)
  Check('answer shown', Contains(ChatText(), 'Noted: zebra.'), ChatText())
  writefile([byok#Status().session_id], $BYOK_TEST_SESSION_FILE)
enddef

def ResumeSecond()
  var first_session = readfile($BYOK_TEST_SESSION_FILE)[0]
  Setup()
  ByokResume
  WritePid()
  Check('session resumed', WaitFor(() => Contains(ChatText(), '[resumed session')), ChatText())
  CheckEqual('resumed the last session', byok#Status().session_id, first_session)
  var text = ChatText()
  Check('history shown', Contains(text, 'Remember the word zebra') && Contains(text, 'Noted: zebra.'), text)
  byok#Send('Which word?')
  Check('turn finished', TurnsFinished(1), no_idle)
  Check('answer used the earlier conversation', Contains(ChatText(), 'The word was zebra.'), ChatText())
enddef

def Configuration()
  Setup({cmd: ['/nonexistent/byok-host']})
  byok#Send('Hello')
  var text = ChatText()
  Check('missing binary reported',
    Contains(text, '[error] could not start byok-host') && Contains(text, '/nonexistent/byok-host'), text)

  Setup({provider: {type: 'openai', baseUrl: $BYOK_TEST_BASE_URL, apiKeyEnv: 'BYOK_TEST_UNSET_KEY'}})
  byok#Send('Hello')
  WritePid()
  Check('unset key variable reported', WaitFor(() => Contains(ChatText(), '$BYOK_TEST_UNSET_KEY is not set')), ChatText())
  var messages = execute('messages')
  Check('unset key variable in :messages', Contains(messages, '$BYOK_TEST_UNSET_KEY is not set'), messages)
enddef

def Linger()
  # sleep does not read stdin, so it neither responds to runtime.shutdown nor exits when stdin closes.
  Setup({cmd: ['sleep', '300'], args: [], shutdown_timeout_ms: 500})
  byok#Send('Hello')
  WritePid()
  Check('stand-in process started', byok#Status().running, byok#Status())
enddef

const scenarios = {
  'stream': Stream,
  'no-stream': NoStream,
  'large': Large,
  'permission': Permission,
  'error': Error,
  'abort': Abort,
  'resume-first': ResumeFirst,
  'resume-second': ResumeSecond,
  'configuration': Configuration,
  'linger': Linger,
}

try
  call(scenarios[scenario], [])
catch
  Check('scenario ran without a Vim error', false, $'{v:exception} at {v:throwpoint}')
endtry
qa!
