;;; byok-test.el --- End-to-end tests of byok.el -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by editors/emacs/test.sh in `emacs --batch', against the real
;; byok-host binary and the scripted mock provider that test.sh starts.
;; The checks share the mock's reply script, so they run in order and each
;; consumes the replies listed in test/mock-script.json for it.  Each check
;; prints one PASS or FAIL line on stdout.
;;
;; `byok-test-run' runs the checks; its last one leaves a turn running and
;; calls `kill-emacs', after which test.sh checks that the host process is
;; gone.  `byok-test-run-until-signal', run in a second Emacs, starts a turn
;; and waits for test.sh to send SIGTERM, as happens at logout.

;;; Code:

(require 'cl-lib)
(require 'byok)

(defvar byok-test--passed 0)
(defvar byok-test--failed 0)
(defvar byok-test--events nil
  "The events of the current session, newest first, as (TYPE DATA TEXT).")
(defvar byok-test--permission-answers nil "Answers the stubbed permission prompt gives, in order.")
(defvar byok-test--permission-requests nil "Requests the stubbed permission prompt saw, newest first.")
(defvar byok-test--tool-calls nil "Topics read_note was called with, newest first.")
(defvar byok-test--first-session-id nil)

(defconst byok-test--wait-seconds 10 "The limit of each wait for the host.")

(defun byok-test--env (name)
  "Return the environment variable NAME; signal an error when it is unset."
  (or (getenv name)
      (error "%s is not set; run the tests through editors/emacs/test.sh" name)))

(define-error 'byok-test-failure "Check failed")

(defun byok-test--assert (condition format-string &rest args)
  "Signal `byok-test-failure' unless CONDITION.
The message is FORMAT-STRING formatted with ARGS."
  (unless condition
    (signal 'byok-test-failure (list (apply #'format format-string args)))))

(defun byok-test--print (line)
  "Print LINE on stdout."
  (princ (concat line "\n")))

(defun byok-test--check (name function)
  "Run FUNCTION as the check NAME and print PASS or FAIL."
  (condition-case err
      (progn
        (funcall function)
        (cl-incf byok-test--passed)
        (byok-test--print (format "PASS %s" name)))
    (error
     (cl-incf byok-test--failed)
     (byok-test--print (format "FAIL %s: %s" name (if (eq (car err) 'byok-test-failure)
                                                      (cadr err)
                                                    (error-message-string err)))))))

(defun byok-test--wait-until (predicate what)
  "Process output until PREDICATE returns non-nil.
Fail after `byok-test--wait-seconds', naming WHAT in the message."
  (let ((deadline (+ (float-time) byok-test--wait-seconds)))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (signal 'byok-test-failure
                (list (format "timed out after %s seconds waiting for %s" byok-test--wait-seconds what))))
      (accept-process-output nil 0.02))))

(defun byok-test--output ()
  "Return the text of the *byok* buffer."
  (with-current-buffer (byok-output-buffer)
    (buffer-substring-no-properties (point-min) (point-max))))

(defun byok-test--events-of-type (type)
  "Return the recorded events of TYPE, oldest first."
  (reverse (cl-remove-if-not (lambda (event) (equal (car event) type)) byok-test--events)))

(defun byok-test--idle-count ()
  "Return how many `session.idle' events were recorded."
  (length (byok-test--events-of-type "session.idle")))

(defun byok-test--send-and-wait (prompt)
  "Send PROMPT with `byok-send' and wait for the turn's `session.idle'."
  (let ((before (byok-test--idle-count)))
    (byok-send prompt)
    (byok-test--wait-until (lambda () (> (byok-test--idle-count) before))
                           (format "session.idle after %S" prompt))))

(defun byok-test--alive-p (pid)
  "Return non-nil when a process with PID exists."
  (and pid (memq pid (list-system-processes)) t))

(defun byok-test--record-pid (connection)
  "Append the pid of the host just started to the file test.sh reads.
Return CONNECTION unchanged, as an advice on `byok--start-process'."
  (write-region (format "%d\n" (process-id byok--process)) nil
                (byok-test--env "BYOK_TEST_PID_FILE") t 'silent)
  connection)

(defun byok-test--record-event (type data)
  "Record the event of TYPE with DATA, and the text of the *byok* buffer after it."
  (push (list type data (byok-test--output)) byok-test--events))

(defun byok-test--permission-stub (request)
  "Record REQUEST and return the next of `byok-test--permission-answers'."
  (push request byok-test--permission-requests)
  (pop byok-test--permission-answers))

(defun byok-test--read-note (arguments)
  "The read_note tool: return a note about the :topic in ARGUMENTS."
  (let ((topic (plist-get arguments :topic)))
    (push topic byok-test--tool-calls)
    (format "note about %s" topic)))

(defun byok-test--configure ()
  "Point byok.el at the binary, the mock provider and a throwaway state directory."
  (setq byok-host-program (byok-test--env "BYOK_HOST_BINARY")
        byok-host-arguments (list "--home" (byok-test--env "BYOK_TEST_HOME") "--log-level" "info")
        byok-model "mock-model"
        byok-provider-type "openai"
        byok-provider-base-url (byok-test--env "BYOK_MOCK_BASE_URL")
        byok-api-key-env "BYOK_EMACS_TEST_KEY"
        byok-permission-function #'byok-test--permission-stub
        byok-tools (list (list :name "read_note"
                               :description "Reads the note about a topic"
                               :parameters '(:type "object"
                                             :properties (:topic (:type "string"))
                                             :required ["topic"])
                               :function #'byok-test--read-note)))
  (byok-test--env "BYOK_EMACS_TEST_KEY")
  (add-hook 'byok-event-functions #'byok-test--record-event)
  (advice-add 'byok--start-process :filter-return #'byok-test--record-pid))

;;; Checks

(defun byok-test--streams-in-order ()
  (let ((chunks '("Alpha " "béta " "gamma " "délta €")))
    (byok-test--send-and-wait "Name four Greek letters: café €")
    (setq byok-test--first-session-id byok--session-id)
    (let* ((deltas (byok-test--events-of-type "assistant.message_delta"))
           (texts (mapcar (lambda (event) (plist-get (nth 1 event) :deltaContent)) deltas)))
      (byok-test--assert (equal texts chunks) "deltas were %S" texts)
      ;; Each delta was in the buffer before the next arrived: the text grew one chunk at a time.
      (cl-loop for event in deltas
               for count from 1
               for expected = (apply #'concat (cl-subseq chunks 0 count))
               do (byok-test--assert (string-suffix-p expected (nth 2 event))
                                     "after delta %d the buffer ended %S" count
                                     (substring (nth 2 event) (max 0 (- (length (nth 2 event)) 40))))))
    (byok-test--assert (string-search "> Name four Greek letters: café €\n\nAlpha béta gamma délta €\n"
                                      (byok-test--output))
                       "the buffer holds %S" (byok-test--output))))

(defun byok-test--approved-tool-call ()
  (setq byok-test--permission-answers (list t))
  (byok-test--send-and-wait "Read the note about tides")
  (byok-test--assert (= (length byok-test--permission-requests) 1)
                     "the prompt was asked %d times" (length byok-test--permission-requests))
  (let ((request (car byok-test--permission-requests)))
    (byok-test--assert (equal (plist-get request :toolName) "read_note") "toolName was %S" request)
    (byok-test--assert (equal (plist-get request :args) '(:topic "tides")) "args were %S" request))
  (let ((completed (byok-test--events-of-type "permission.completed")))
    (byok-test--assert (= (length completed) 1) "%d permission.completed events" (length completed))
    (byok-test--assert (equal (plist-get (plist-get (nth 1 (car completed)) :result) :kind) "approved")
                       "permission.completed was %S" (nth 1 (car completed))))
  (byok-test--assert (equal byok-test--tool-calls '("tides")) "tool calls were %S" byok-test--tool-calls)
  ;; The mock's reply expects the tool result in the request, so this text proves the result arrived.
  (byok-test--assert (string-search "The note says tides rise twice a day." (byok-test--output))
                     "the buffer holds %S" (byok-test--output)))

(defun byok-test--rejected-tool-call ()
  (setq byok-test--permission-answers (list nil))
  (byok-test--send-and-wait "Read the note about secrets")
  (byok-test--assert (= (length byok-test--permission-requests) 2)
                     "the prompt was asked %d times" (length byok-test--permission-requests))
  (byok-test--assert (equal (plist-get (car byok-test--permission-requests) :args) '(:topic "secrets"))
                     "args were %S" (car byok-test--permission-requests))
  (let ((completed (car (last (byok-test--events-of-type "permission.completed")))))
    (byok-test--assert (equal (plist-get (plist-get (nth 1 completed) :result) :kind)
                              "denied-interactively-by-user")
                       "permission.completed was %S" (nth 1 completed)))
  (byok-test--assert (equal byok-test--tool-calls '("tides")) "tool calls were %S" byok-test--tool-calls)
  (byok-test--assert (string-search "Understood, I will not read it." (byok-test--output))
                     "the buffer holds %S" (byok-test--output)))

(defun byok-test--error-shown ()
  (let ((messages nil))
    (let ((recorder (lambda (format-string &rest args)
                      (when format-string (push (apply #'format format-string args) messages)))))
      (advice-add 'message :before recorder)
      (unwind-protect
          (byok-test--send-and-wait "This request is rejected")
        (advice-remove 'message recorder)))
    (let ((shown (cl-find-if (lambda (text) (string-prefix-p "byok-host: " text)) messages)))
      (byok-test--assert shown "no byok-host message in the echo area: %S" messages)
      (byok-test--assert (string-search "HTTP 401" shown) "the message was %S" shown)
      (byok-test--assert (string-search "Incorrect API key provided" shown) "the message was %S" shown)))
  (let* ((output (byok-test--output))
         (start (string-search "[error] The provider returned HTTP 401" output)))
    (byok-test--assert start "the buffer holds %S" output)
    (byok-test--assert (eq (get-text-property start 'face (byok-output-buffer)) 'error)
                       "the error is not shown in the error face")))

(defun byok-test--abort ()
  (let ((idle-before (byok-test--idle-count))
        (deltas-before (length (byok-test--events-of-type "assistant.message_delta"))))
    (byok-send "Start an answer that never ends")
    ;; The mock holds the reply open after two chunks, so this text can only come from deltas
    ;; shown as they arrived.
    (byok-test--wait-until (lambda () (string-suffix-p "Partial answer " (byok-test--output)))
                           "the first two deltas")
    (byok-abort)
    (byok-test--wait-until (lambda () (> (byok-test--idle-count) idle-before)) "session.idle after the abort")
    (let ((idle (car (last (byok-test--events-of-type "session.idle")))))
      (byok-test--assert (eq (plist-get (nth 1 idle) :aborted) t) "session.idle was %S" (nth 1 idle)))
    (byok-test--assert (byok-test--events-of-type "abort") "no abort event")
    (byok-test--assert (string-search "Partial answer \n[aborted]" (byok-test--output))
                       "the buffer holds %S" (byok-test--output))
    (let ((deltas (- (length (byok-test--events-of-type "assistant.message_delta")) deltas-before)))
      (byok-test--assert (= deltas 2) "%d deltas arrived" deltas))))

(defun byok-test--log-buffer ()
  (let ((log (with-current-buffer (byok-log-buffer) (buffer-string)))
        (key (byok-test--env "BYOK_EMACS_TEST_KEY")))
    (byok-test--assert (string-match-p "started .*byok-host --stdio .* (pid [0-9]+)" log)
                       "the log has no start line: %S" log)
    ;; byok-host logs each failed turn at warning level; this line came from its stderr.
    (byok-test--assert (string-match-p "warning \\[session\\] Turn failed .*errorType=authentication" log)
                       "the host's stderr is not in the log: %S" log)
    (byok-test--assert (not (string-search key log)) "the API key appears in the log")
    (dolist (buffer (buffer-list))
      (with-current-buffer buffer
        (byok-test--assert (not (string-search key (buffer-string)))
                           "the API key appears in the buffer %s" (buffer-name))))))

(defun byok-test--stop ()
  (let ((pid (process-id byok--process)))
    (byok-test--assert (byok-test--alive-p pid) "byok-host pid %s is not running before the stop" pid)
    (byok-stop)
    (byok-test--assert (not (byok-test--alive-p pid)) "byok-host pid %d is still running" pid)
    (byok-test--assert (null byok--connection) "the connection is still set")
    (let ((log (with-current-buffer (byok-log-buffer) (buffer-string))))
      (byok-test--assert (string-search (format "byok-host (pid %d) exited with status 0" pid) log)
                         "the log does not say that the host exited: %S" log))))

(defun byok-test--resume ()
  (byok-resume-last)
  (byok-test--wait-until (lambda () (string-search (format "[resumed session %s]" byok-test--first-session-id)
                                                   (byok-test--output)))
                         "the resumed session's history")
  (byok-test--assert (equal byok--session-id byok-test--first-session-id)
                     "resumed %S, not %S" byok--session-id byok-test--first-session-id)
  (let ((history (substring (byok-test--output)
                            (string-search "[resumed session" (byok-test--output)))))
    (byok-test--assert (string-search "> Name four Greek letters: café €\n\nAlpha béta gamma délta €\n" history)
                       "the history is %S" history))
  ;; The mock's reply expects the first prompt in the request, so the conversation came back too.
  (byok-test--send-and-wait "Are you still there?")
  (byok-test--assert (string-search "Resumed fine." (byok-test--output))
                     "the buffer holds %S" (byok-test--output)))

(defun byok-test--unknown-request ()
  ;; With hasBearerTokenProvider the host asks the client for a token with
  ;; providerToken.getToken, which byok.el does not offer.
  (let* ((result (jsonrpc-request byok--connection :session.create
                                  (list :model "mock-model"
                                        :provider (list :type "openai"
                                                        :baseUrl (byok-test--env "BYOK_MOCK_BASE_URL")
                                                        :hasBearerTokenProvider t))))
         (session-id (plist-get result :sessionId))
         (previous byok--session-id))
    (setq byok--session-id session-id)
    (unwind-protect
        (byok-test--send-and-wait "Needs a token")
      (setq byok--session-id previous))
    (byok-test--assert
     (string-search "[error] The client failed to supply a bearer token (providerToken.getToken): JSON-RPC error -32601: Unhandled method providerToken.getToken"
                    (byok-test--output))
     "the buffer holds %S" (byok-test--output))))

(defun byok-test--exited-p (pid)
  "Return non-nil when the process PID has exited; a zombie counts as exited."
  (member (alist-get 'state (process-attributes pid)) '(nil "Z")))

(defun byok-test--record-host-at-exit (file)
  "Write the pid of the running host to FILE, and its state at exit after it.
A `kill-emacs-hook' function of depth 90 runs after byok's own, while
Emacs still holds the host's stdin open, and appends \"exited\" or
\"running\".  Without byok's hook the host would still be running then."
  (let ((pid (process-id byok--process)))
    (write-region (format "%d\n" pid) nil file nil 'silent)
    (add-hook 'kill-emacs-hook
              (lambda ()
                (write-region (if (byok-test--exited-p pid) "exited\n" "running\n") nil file t 'silent))
              90)))

(defun byok-test--quit-with-running-turn ()
  "Start a turn that never ends and record the host's pid before Emacs quits."
  (byok-send "Keep working while Emacs quits")
  (byok-test--wait-until (lambda () (string-suffix-p "Still " (byok-test--output))) "the first delta")
  (byok-test--record-host-at-exit (byok-test--env "BYOK_TEST_QUIT_PID_FILE")))

(defun byok-test-run-until-signal ()
  "Start a turn that never ends, record the host's pid, and wait.
test.sh then sends SIGTERM to this Emacs."
  (byok-test--configure)
  (byok-test--check "turn running before SIGTERM"
                    (lambda ()
                      (byok-send "Keep working until Emacs gets SIGTERM")
                      (byok-test--wait-until (lambda () (string-suffix-p "Waiting " (byok-test--output)))
                                             "the first delta")))
  (when byok--process
    (byok-test--record-host-at-exit (byok-test--env "BYOK_TEST_SIGNAL_PID_FILE")))
  ;; test.sh sends SIGTERM within seconds; this bound only ends a run that it forgot.
  (let ((deadline (+ (float-time) 60)))
    (while (< (float-time) deadline)
      (accept-process-output nil 0.05)))
  (byok-test--print "FAIL SIGTERM did not arrive within 60 seconds")
  (kill-emacs 1))

(defun byok-test-run ()
  "Run every check in order, then quit Emacs with a turn still running."
  (byok-test--configure)
  (byok-test--check "answer streams in order" #'byok-test--streams-in-order)
  (byok-test--check "approved tool call runs" #'byok-test--approved-tool-call)
  (byok-test--check "rejected tool call does not run" #'byok-test--rejected-tool-call)
  (byok-test--check "provider 401 is shown" #'byok-test--error-shown)
  (byok-test--check "abort stops a running turn" #'byok-test--abort)
  (byok-test--check "log buffer holds the host's stderr" #'byok-test--log-buffer)
  (byok-test--check "stop ends the host process" #'byok-test--stop)
  (byok-test--check "resume continues the last session" #'byok-test--resume)
  (byok-test--check "unknown host request gets -32601" #'byok-test--unknown-request)
  (byok-test--check "turn running when Emacs quits" #'byok-test--quit-with-running-turn)
  ;; kill-emacs-hook runs byok-stop; test.sh then checks that the host is gone.
  (kill-emacs (if (zerop byok-test--failed) 0 1)))

(provide 'byok-test)
;;; byok-test.el ends here
