#include <curl/curl.h>

// Swift cannot call C variadic functions, so curl_easy_setopt, curl_easy_getinfo and
// curl_multi_setopt are wrapped here once for each argument type that byok-host passes.
// Function-like and composite macros are wrapped for the same reason.

/// The signature of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*byok_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode byok_easy_setopt_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode byok_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode byok_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode byok_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}

static inline CURLcode byok_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                      byok_data_callback callback) {
  return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode byok_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode byok_easy_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
  return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode byok_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
  return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode byok_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
  return curl_multi_setopt(multi, option, value);
}

/// Resumes both directions of a transfer paused by a write callback.
static inline CURLcode byok_easy_unpause(CURL *handle) {
  return curl_easy_pause(handle, CURLPAUSE_CONT);
}

static inline CURLcode byok_global_init(void) {
  return curl_global_init(CURL_GLOBAL_ALL);
}

/// The value a write callback returns to pause its transfer (CURL_WRITEFUNC_PAUSE).
static const size_t byok_write_pause = CURL_WRITEFUNC_PAUSE;

/// The size CURLOPT_ERRORBUFFER must have (CURL_ERROR_SIZE).
static const size_t byok_error_buffer_size = CURL_ERROR_SIZE;

#if defined(__linux__)
#include <sys/prctl.h>

/// Names the calling thread (at most 15 bytes) as shown by `top -H` and in crash reports.
static inline void byok_set_current_thread_name(const char *name) {
  prctl(PR_SET_NAME, name, 0, 0, 0);
}
#endif
