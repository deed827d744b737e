;;; byok.el --- Chat with your own model provider through byok-host -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.14"))
;; Keywords: tools, convenience

;;; Commentary:

;; byok-host is an agent host that speaks JSON-RPC 2.0 over stdio with the
;; Content-Length framing of the Language Server Protocol.  This package
;; starts it with `byok-host --stdio' through the built-in jsonrpc.el, sends
;; prompts with `session.send' and streams the answer into the *byok* buffer.
;;
;; Commands: `byok-ask' (the region if active, else a prompt from the
;; minibuffer), `byok-send-region', `byok-abort', `byok-resume-last',
;; `byok-show-log' and `byok-stop'.  `byok-command-map' contains them all; bind
;; it to a prefix, for example:
;;
;;   (keymap-global-set "C-c b" byok-command-map)        ; Emacs 29
;;   (global-set-key (kbd "C-c b") byok-command-map)     ; Emacs 28
;;
;; The API key is read from the environment variable that
;; `byok-api-key-env' names, each time a session is created or resumed.
;; It is never stored in a file, and jsonrpc's events buffer, which would
;; record every message, is turned off.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'seq)
(require 'subr-x)

(defgroup byok nil
  "Chat with your own model provider through byok-host."
  :group 'tools
  :prefix "byok-")

(defcustom byok-host-program "byok-host"
  "The byok-host executable: a file name, or a command looked up on `exec-path'."
  :type 'string)

(defcustom byok-host-arguments nil
  "Extra arguments for byok-host after --stdio, such as (\"--log-level\" \"info\")."
  :type '(repeat string))

(defcustom byok-model nil
  "The model name, such as \"gpt-4o-mini\"; for Azure, the deployment name.
When nil, the environment variable BYOK_HOST_MODEL is used."
  :type '(choice (const :tag "From BYOK_HOST_MODEL" nil) string))

(defcustom byok-provider-type nil
  "The model provider: \"openai\", \"azure\", \"anthropic\" or \"ollama\".
When nil, the environment variable BYOK_HOST_PROVIDER_TYPE is used, else
\"openai\".  \"ollama\" is sent to byok-host as the \"openai\" type,
because Ollama serves the OpenAI Chat Completions API."
  :type '(choice (const :tag "From BYOK_HOST_PROVIDER_TYPE, else openai" nil)
                 (const "openai") (const "azure") (const "anthropic") (const "ollama")))

(defcustom byok-provider-base-url nil
  "The provider's base URL.
When nil, the environment variable BYOK_HOST_PROVIDER_BASE_URL is used, else
the type's default: https://api.openai.com/v1, https://api.anthropic.com or
http://localhost:11434/v1.  Azure has no default: use
https://RESOURCE.openai.azure.com."
  :type '(choice (const :tag "Default" nil) string))

(defcustom byok-api-key-env nil
  "The NAME of the environment variable that contains the API key.
Only the name is configured here; the key itself stays in the environment.
When nil, the type's usual variable is read: OPENAI_API_KEY,
AZURE_OPENAI_API_KEY or ANTHROPIC_API_KEY, and none for Ollama.  When the
variable is unset or empty, no key is sent."
  :type '(choice (const :tag "The type's usual variable" nil) string))

(defcustom byok-azure-api-version nil
  "Azure OpenAI only: the api-version, such as \"2024-10-21\".
With a version, requests go to the deployments route; without one, to the
versionless /openai/v1 route."
  :type '(choice (const :tag "None" nil) string))

(defcustom byok-tools nil
  "Client tools the model may call, as a list of plists.
Each plist has :name (a string), :description (a string), optionally
:parameters (a JSON Schema as a plist, such as
\(:type \"object\" :properties (:topic (:type \"string\")))), and
:function, called with the arguments as a plist and returning the text
result.  Before each call, `byok-permission-function' decides whether it runs."
  :type '(repeat plist))

(defcustom byok-permission-function #'byok-ask-permission
  "Function that decides whether a tool call may run.
It is called with the permissionRequest plist of a `permission.requested'
event (:toolName, :toolDescription, :args) and returns non-nil to approve
the call once."
  :type 'function)

(defcustom byok-request-timeout 30
  "Seconds to wait for byok-host to answer a request."
  :type 'number)

(defcustom byok-shutdown-timeout 3
  "Seconds `byok-stop' waits for each step before it kills byok-host."
  :type 'number)

(defvar byok-event-functions nil
  "Functions called with (TYPE DATA) for every event of the current session.
TYPE is the event type as a string and DATA its data as a plist.  They
run after the event was shown in the *byok* buffer.")

(defconst byok--protocol-version 3
  "The byok-host protocol version this package speaks.")

(defconst byok--default-base-urls
  '(("openai" . "https://api.openai.com/v1")
    ("anthropic" . "https://api.anthropic.com")
    ("ollama" . "http://localhost:11434/v1"))
  "Base URLs used when neither the options nor the environment give one.")

(defconst byok--default-key-variables
  '(("openai" . "OPENAI_API_KEY")
    ("azure" . "AZURE_OPENAI_API_KEY")
    ("anthropic" . "ANTHROPIC_API_KEY"))
  "The environment variable read for the key when `byok-api-key-env' is nil.")

(defvar byok--connection nil "The jsonrpc connection to byok-host, or nil.")
(defvar byok--process nil "The byok-host process, or nil.")
(defvar byok--stderr-process nil "The pipe that carries byok-host's stderr to the log buffer.")
(defvar byok--session-id nil "The id of the session that prompts go to, or nil.")
(defvar byok--session-waiters nil
  "Callbacks waiting for a `session.create' in flight, or nil when none is.")
(defvar byok--streamed-message-ids (make-hash-table :test #'equal)
  "Ids of assistant messages whose text arrived as deltas.
Their final `assistant.message' is then not shown a second time.")

;;; Buffers

(defvar byok-command-map
  (let ((map (make-sparse-keymap)))
    (define-key map "a" #'byok-ask)
    (define-key map "s" #'byok-send-region)
    (define-key map "k" #'byok-abort)
    (define-key map "r" #'byok-resume-last)
    (define-key map "l" #'byok-show-log)
    (define-key map "o" #'byok-show-output)
    (define-key map "q" #'byok-stop)
    map)
  "Keymap of the byok commands, to bind to a prefix key of your choice.")
(fset 'byok-command-map byok-command-map)

(defvar byok-output-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-k") #'byok-abort)
    (define-key map (kbd "C-c C-a") #'byok-ask)
    map)
  "Keymap of the *byok* buffer.")

(define-derived-mode byok-output-mode special-mode "byok"
  "Major mode of the *byok* buffer, where answers stream in.
\\{byok-output-mode-map}"
  (setq-local truncate-lines nil)
  (visual-line-mode 1))

(defun byok-output-buffer ()
  "Return the *byok* buffer, creating it when needed."
  (or (get-buffer "*byok*")
      (with-current-buffer (get-buffer-create "*byok*")
        (byok-output-mode)
        (current-buffer))))

(defun byok-log-buffer ()
  "Return the *byok-host log* buffer, which contains byok-host's stderr."
  (or (get-buffer "*byok-host log*")
      (with-current-buffer (get-buffer-create "*byok-host log*")
        (special-mode)
        (current-buffer))))

(defun byok--append (buffer text &optional face)
  "Append TEXT to BUFFER, with FACE if non-nil.
Windows whose point was at the end keep following the text."
  (with-current-buffer buffer
    (let* ((inhibit-read-only t)
           (end (point-max))
           (followers (cl-remove-if-not (lambda (window) (= (window-point window) end))
                                        (get-buffer-window-list buffer nil t))))
      (save-excursion
        (goto-char end)
        (insert (if face (propertize text 'face face) text)))
      (dolist (window followers)
        (set-window-point window (point-max))))))

(defun byok--insert (text &optional face)
  "Append TEXT to the *byok* buffer, with FACE if non-nil."
  (byok--append (byok-output-buffer) text face))

(defun byok--log (format-string &rest args)
  "Append a client note, FORMAT-STRING formatted with ARGS, to the log buffer."
  (byok--append (byok-log-buffer) (concat "[client] " (apply #'format format-string args) "\n")))

(defun byok--show-error (text)
  "Show TEXT as an error in the echo area and in the *byok* buffer."
  (byok--insert (format "\n[error] %s\n" text) 'error)
  (message "byok-host: %s" text))

;;; Configuration

(defun byok--nonempty (value)
  "Return VALUE unless it is nil or an empty string."
  (and value (not (string-empty-p value)) value))

(defun byok--provider ()
  "Return the provider object of `session.create' and `session.resume'.
The result is a plist.  The key is read from the environment now and is
not kept anywhere else."
  (let* ((type (downcase (or (byok--nonempty byok-provider-type)
                             (byok--nonempty (getenv "BYOK_HOST_PROVIDER_TYPE"))
                             "openai")))
         (base-url (or (byok--nonempty byok-provider-base-url)
                       (byok--nonempty (getenv "BYOK_HOST_PROVIDER_BASE_URL"))
                       (cdr (assoc type byok--default-base-urls))))
         (key-variable (or (byok--nonempty byok-api-key-env)
                           (cdr (assoc type byok--default-key-variables))))
         (key (and key-variable (byok--nonempty (getenv key-variable)))))
    (unless (member type '("openai" "azure" "anthropic" "ollama"))
      (user-error "Provider type %S is not supported; use openai, azure, anthropic or ollama" type))
    (unless base-url
      (user-error "The %s provider needs a base URL, such as https://RESOURCE.openai.azure.com; set `byok-provider-base-url'"
                  type))
    (append (list :type (if (equal type "ollama") "openai" type) :baseUrl base-url)
            (and key (list :apiKey key))
            (and (equal type "azure") (byok--nonempty byok-azure-api-version)
                 (list :azure (list :apiVersion byok-azure-api-version))))))

(defun byok--model ()
  "Return the configured model name, or signal a `user-error' when there is none."
  (or (byok--nonempty byok-model)
      (byok--nonempty (getenv "BYOK_HOST_MODEL"))
      (user-error "No model is configured; set `byok-model' or BYOK_HOST_MODEL")))

(defun byok--tool-definition (tool)
  "Return the protocol's definition of TOOL, an element of `byok-tools'."
  (let ((name (plist-get tool :name)))
    (unless (and (stringp name) (functionp (plist-get tool :function)))
      (user-error "Each entry of `byok-tools' needs a string :name and a :function, not %S" tool))
    (append (list :name name :description (or (plist-get tool :description) ""))
            (and (plist-get tool :parameters) (list :parameters (plist-get tool :parameters))))))

(defun byok--session-settings ()
  "Return the params shared by `session.create' and `session.resume'."
  (append (list :model (byok--model)
                :provider (byok--provider)
                :streaming t
                :clientName "byok-emacs")
          (and byok-tools
               (list :tools (vconcat (mapcar #'byok--tool-definition byok-tools))
                     :requestPermission t))))

;;; Connection

(defun byok--empty-object ()
  "Return a value that jsonrpc serializes as {}."
  (make-hash-table :size 1))

(defun byok--events-buffer-initargs ()
  "Return initargs that turn jsonrpc's events buffer off.
That buffer would record every message, API keys in `session.create'
included.  jsonrpc 1.0.19 and later configure it with
`:events-buffer-config'; older versions, as in Emacs 28 and 29, only
know `:events-buffer-scrollback-size'."
  (if (memq '-events-buffer-config
            (mapcar #'eieio-slot-descriptor-name (eieio-class-slots 'jsonrpc-connection)))
      (list :events-buffer-config (list :size 0))
    (list :events-buffer-scrollback-size 0)))

(defun byok-running-p ()
  "Return non-nil when byok-host is running."
  (and byok--process (process-live-p byok--process)))

(defun byok--stderr-filter (process text)
  "Append TEXT from PROCESS, byok-host's stderr, to the log buffer."
  (when (buffer-live-p (process-buffer process))
    (byok--append (process-buffer process) text)))

(defun byok--start-process ()
  "Start byok-host and return its jsonrpc connection."
  (let* ((stderr (make-pipe-process :name "byok-host stderr"
                                    :buffer (byok-log-buffer)
                                    :coding 'utf-8-unix
                                    :noquery t
                                    :filter #'byok--stderr-filter
                                    :sentinel #'ignore))
         (command (append (list byok-host-program "--stdio") byok-host-arguments))
         (process (condition-case err
                      (make-process :name "byok-host"
                                    :command command
                                    :connection-type 'pipe
                                    :coding 'utf-8-emacs-unix
                                    :noquery t
                                    :stderr stderr)
                    (error
                     (delete-process stderr)
                     (user-error "Could not start %s: %s; set `byok-host-program'"
                                 byok-host-program (error-message-string err))))))
    (setq byok--stderr-process stderr
          byok--process process
          byok--session-id nil
          byok--session-waiters nil)
    (clrhash byok--streamed-message-ids)
    (add-hook 'kill-emacs-hook #'byok--stop-before-exit)
    (byok--log "started %s (pid %d)" (mapconcat #'identity command " ") (process-id process))
    (apply #'make-instance 'jsonrpc-process-connection
           :name "byok-host"
           :process process
           :notification-dispatcher #'byok--handle-notification
           :request-dispatcher #'byok--handle-request
           :on-shutdown #'byok--on-shutdown
           (byok--events-buffer-initargs))))

(defun byok--on-shutdown (connection)
  "Forget CONNECTION once its process has exited, and close the stderr pipe.
A connection that `byok-stop' has already forgotten is left alone, so
the pipe of a host started after it stays open."
  (when (eq connection byok--connection)
    (byok--log "byok-host (pid %s) %s" (process-id byok--process) (byok--exit-description byok--process))
    (setq byok--connection nil
          byok--process nil
          byok--session-id nil
          byok--session-waiters nil)
    (byok--close-stderr)))

(defun byok--running-unreaped-p (process)
  "Return non-nil while PROCESS has not exited, even if Emacs cannot reap it.
While Emacs 28.2 runs `kill-emacs-hook' after a SIGTERM, it does not
reap exited processes, so `process-live-p' stays non-nil.  The system
then reports the process's state as \"Z\" (zombie)."
  (and (process-live-p process)
       (not (member (alist-get 'state (process-attributes (process-id process))) '(nil "Z")))))

(defun byok--close-stderr ()
  "Read what is left on the stderr pipe, for at most 0.5 seconds, then delete it."
  ;; The wait below can run the host's sentinel, which calls this function again, so the
  ;; pipe is taken out of the variable first.
  (let ((stderr byok--stderr-process)
        (deadline (+ (float-time) 0.5)))
    (setq byok--stderr-process nil)
    (while (and (process-live-p stderr)
                (< (float-time) deadline)
                (accept-process-output stderr 0.05)))
    (when (processp stderr)
      (delete-process stderr))))

(defun byok--exit-description (process)
  "Return how PROCESS ended, for the log."
  (pcase (process-status process)
    ('exit (format "exited with status %d" (process-exit-status process)))
    ('signal (format "was killed by signal %d" (process-exit-status process)))
    ;; A process that exited while Emacs could not reap it still reads as running.
    (_ "exited")))

(defun byok--request (method params on-success)
  "Send METHOD with PARAMS to byok-host and call ON-SUCCESS with the result.
Errors and timeouts are shown to the user."
  (jsonrpc-async-request
   byok--connection method params
   :timeout byok-request-timeout
   :success-fn on-success
   :error-fn (lambda (error)
               (byok--show-error (format "%s failed: %s" method (plist-get error :message))))
   :timeout-fn (lambda ()
                 (byok--show-error (format "%s timed out after %s seconds" method byok-request-timeout)))))

(defun byok--with-connection (callback)
  "Call CALLBACK once byok-host is running and has answered `connect'."
  (if (and (byok-running-p) byok--connection)
      (funcall callback)
    (setq byok--connection (byok--start-process))
    (byok--request :connect (byok--empty-object)
                   (lambda (result)
                     (let ((version (plist-get result :protocolVersion)))
                       (if (eql version byok--protocol-version)
                           (funcall callback)
                         (byok--show-error (format "byok-host speaks protocol version %s, but byok.el needs %s"
                                                   version byok--protocol-version))))))))

(defun byok--with-session (settings callback)
  "Call CALLBACK with the session id, creating a session with SETTINGS if needed."
  (byok--with-connection
   (lambda ()
     (cond
      (byok--session-id (funcall callback byok--session-id))
      (byok--session-waiters (push callback byok--session-waiters))
      (t
       (setq byok--session-waiters (list callback))
       (byok--request :session.create settings
                      (lambda (result)
                        (let ((waiters (reverse byok--session-waiters)))
                          (setq byok--session-id (plist-get result :sessionId)
                                byok--session-waiters nil)
                          (dolist (waiter waiters)
                            (funcall waiter byok--session-id))))))))))

;;; Events from byok-host

(defun byok--handle-request (_connection method _params)
  "Answer a request from byok-host for METHOD.
This package offers no host-to-client methods, so each gets -32601."
  (jsonrpc-error :code -32601 :message (format "Unhandled method %s" method)))

(defun byok--handle-notification (_connection method params)
  "Show the `session.event' notifications, in PARAMS, of the current session.
Other METHODs and the events of other sessions are ignored."
  (when (and (eq method 'session.event)
             byok--session-id
             (equal (plist-get params :sessionId) byok--session-id))
    (let* ((event (plist-get params :event))
           (type (plist-get event :type))
           (data (plist-get event :data)))
      (condition-case err
          (progn
            (byok--render-event type data)
            (run-hook-with-args 'byok-event-functions type data))
        (error (byok--log "handling a %s event failed: %s" type (error-message-string err)))))))

(defun byok--render-event (type data)
  "Show the event of TYPE with DATA in the *byok* buffer, or act on it."
  (pcase type
    ("assistant.message_delta"
     (puthash (plist-get data :messageId) t byok--streamed-message-ids)
     (byok--insert (or (plist-get data :deltaContent) "")))
    ("assistant.message"
     ;; Without streaming no deltas arrive, so the whole message is shown here instead.
     (let ((id (plist-get data :messageId))
           (content (plist-get data :content)))
       (unless (or (gethash id byok--streamed-message-ids) (null content) (string-empty-p content))
         (byok--insert content))
       (remhash id byok--streamed-message-ids)))
    ("session.error" (byok--show-error (plist-get data :message)))
    ;; A prompt must not run inside the process filter, so permission and tool requests wait for a timer.
    ("permission.requested"
     (run-at-time 0 nil #'byok--answer-permission byok--session-id data))
    ("external_tool.requested"
     (run-at-time 0 nil #'byok--run-tool byok--session-id data))
    ("abort" (byok--insert "\n[aborted]" 'warning))
    ("session.idle" (byok--insert "\n"))))

(defun byok-ask-permission (request)
  "Ask whether the tool call in REQUEST may run once.
This is the default `byok-permission-function'."
  (y-or-n-p (format "Allow the model to run %s with %s? "
                    (plist-get request :toolName)
                    (byok--json-text (plist-get request :args)))))

(defun byok--json-text (value)
  "Return VALUE, parsed JSON, as JSON text; nil stands for {}."
  (if value
      (json-serialize value :null-object nil :false-object :json-false)
    "{}"))

(defun byok--answer-permission (session-id data)
  "Ask `byok-permission-function' about a tool call and send the answer.
DATA is the data of a `permission.requested' event of SESSION-ID."
  (let* ((request (plist-get data :permissionRequest))
         (approved (condition-case err
                       (funcall byok-permission-function request)
                     (quit nil)
                     (error
                      (byok--log "the permission prompt failed, so the tool call is rejected: %s"
                                 (error-message-string err))
                      nil))))
    (when byok--connection
      (byok--request :session.permissions.handlePendingPermissionRequest
                     (list :sessionId session-id
                           :requestId (plist-get data :requestId)
                           :result (list :kind (if approved "approve-once" "reject")))
                     #'ignore))))

(defun byok--run-tool (session-id data)
  "Run the tool that DATA names and send its result to byok-host.
DATA is the data of an `external_tool.requested' event of SESSION-ID."
  (let* ((name (plist-get data :toolName))
         (tool (cl-find name byok-tools :key (lambda (entry) (plist-get entry :name)) :test #'equal))
         (result
          (if (not tool)
              (list :textResultForLlm (format "The tool '%s' is not defined in this editor." name)
                    :resultType "failure")
            (condition-case err
                (let ((text (funcall (plist-get tool :function) (plist-get data :arguments))))
                  (list :textResultForLlm (if (stringp text) text (format "%S" text))
                        :resultType "success"))
              (error
               (list :textResultForLlm (format "The tool '%s' failed: %s" name (error-message-string err))
                     :resultType "failure"))))))
    (when byok--connection
      (byok--request :session.tools.handlePendingToolCall
                     (list :sessionId session-id :requestId (plist-get data :requestId) :result result)
                     #'ignore))))

;;; Commands

;;;###autoload
(defun byok-send (prompt)
  "Send PROMPT in the current session, starting byok-host and a session if needed.
The answer streams into the *byok* buffer."
  (interactive (list (read-string "Ask the model: ")))
  (when (string-empty-p (string-trim prompt))
    (user-error "The prompt is empty"))
  (let ((settings (byok--session-settings)))
    (display-buffer (byok-output-buffer))
    (byok--with-session
     settings
     (lambda (session-id)
       (byok--insert (format "\n> %s\n\n" (replace-regexp-in-string "\n" "\n> " prompt)) 'bold)
       (byok--request :session.send (list :sessionId session-id :prompt prompt) #'ignore)))))

;;;###autoload
(defun byok-ask ()
  "Send the active region, or else a prompt read from the minibuffer."
  (interactive)
  (if (use-region-p)
      (byok-send-region (region-beginning) (region-end))
    (byok-send (read-string "Ask the model: "))))

;;;###autoload
(defun byok-send-region (start end)
  "Send the text between START and END as the prompt."
  (interactive "r")
  (byok-send (buffer-substring-no-properties start end)))

(defun byok-abort ()
  "Abort the running turn of the current session."
  (interactive)
  (if (and (byok-running-p) byok--session-id)
      (byok--request :session.abort (list :sessionId byok--session-id) #'ignore)
    (message "byok-host: no session is running")))

;;;###autoload
(defun byok-resume-last ()
  "Resume the most recently used stored session with the configured provider.
Its earlier prompts and answers are shown in the *byok* buffer."
  (interactive)
  (let ((settings (byok--session-settings)))
    (display-buffer (byok-output-buffer))
    (byok--with-connection
     (lambda ()
       (byok--request
        :session.getLastId (byok--empty-object)
        (lambda (result)
          (let ((session-id (plist-get result :sessionId)))
            (if (not session-id)
                (byok--show-error "there is no stored session to resume")
              (byok--request :session.resume (append (list :sessionId session-id) settings)
                             (lambda (_result)
                               (setq byok--session-id session-id)
                               (byok--show-history session-id)))))))))))

(defun byok--show-history (session-id)
  "Show the prompts and answers stored for SESSION-ID in the *byok* buffer."
  (byok--request
   :session.getMessages (list :sessionId session-id)
   (lambda (result)
     (byok--insert (format "\n[resumed session %s]\n" session-id) 'shadow)
     (seq-doseq (event (plist-get result :events))
       (let ((data (plist-get event :data)))
         (pcase (plist-get event :type)
           ("user.message"
            (byok--insert (format "\n> %s\n\n" (replace-regexp-in-string
                                                "\n" "\n> " (plist-get data :content)))
                          'bold))
           ("assistant.message"
            (let ((content (plist-get data :content)))
              (when (and content (not (string-empty-p content)))
                (byok--insert (concat content "\n")))))))))))

(defun byok-show-output ()
  "Show the *byok* buffer."
  (interactive)
  (pop-to-buffer (byok-output-buffer)))

(defun byok-show-log ()
  "Show the *byok-host log* buffer, which contains byok-host's stderr."
  (interactive)
  (pop-to-buffer (byok-log-buffer)))

(defun byok-stop ()
  "Stop byok-host: send `runtime.shutdown', then close its stdin.
If it is still running after that, kill it.  Each step waits at most
`byok-shutdown-timeout' seconds.  This runs from `kill-emacs-hook' too,
so byok-host does not outlive Emacs."
  (interactive)
  (byok--stop-host #'process-live-p))

(defun byok--stop-host (running-p)
  "Stop byok-host as `byok-stop' describes.
RUNNING-P is called with the process and returns non-nil while it has
not exited."
  (let ((process byok--process)
        (connection byok--connection))
    (when (and process (process-live-p process))
      (when connection
        (condition-case err
            (jsonrpc-request connection :runtime.shutdown (byok--empty-object)
                             :timeout byok-shutdown-timeout)
          (jsonrpc-error (byok--log "runtime.shutdown failed: %S" (cdr err)))))
      (when (process-live-p process)
        (process-send-eof process))
      (let ((deadline (+ (float-time) byok-shutdown-timeout)))
        (while (and (funcall running-p process) (< (float-time) deadline))
          (accept-process-output process 0.05)))
      (when (funcall running-p process)
        (byok--log "byok-host (pid %d) did not exit within %s seconds; killing it"
                   (process-id process) byok-shutdown-timeout)
        (signal-process process 'kill)
        (let ((deadline (+ (float-time) byok-shutdown-timeout)))
          (while (and (funcall running-p process) (< (float-time) deadline))
            (accept-process-output process 0.05)))))
    ;; The sentinel may run after this point, and then leaves the forgotten connection alone, so
    ;; the exit is logged here unless the sentinel has logged it already.
    (when (and process (eq connection byok--connection))
      (byok--log "byok-host (pid %d) %s" (process-id process) (byok--exit-description process))
      (setq byok--connection nil
            byok--process nil
            byok--session-id nil
            byok--session-waiters nil))
    (byok--close-stderr)))

(defun byok--stop-before-exit ()
  "Stop byok-host from `kill-emacs-hook'.
When Emacs 28.2 quits on SIGTERM, a wait in this hook never returns
once a process whose stderr goes to a pipe process has exited.  So the
stderr pipe is deleted first, which loses the host's last log lines;
Emacs is quitting, so nobody would read them."
  (when (processp byok--stderr-process)
    (delete-process byok--stderr-process)
    (setq byok--stderr-process nil))
  (byok--stop-host #'byok--running-unreaped-p))

(provide 'byok)
;;; byok.el ends here
