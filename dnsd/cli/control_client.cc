#include "dnsd/cli/control_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "dnsd/control/control_options.h"

namespace dnsd {
namespace {

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

/// curl_global_init once per process, before the first handle.
void init_curl_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

}  // namespace

ControlClient::ControlClient(std::string address, std::string token, long timeout_ms)
    : token_(std::move(token)), timeout_ms_(timeout_ms) {
  if (address.compare(0, kUnixControlPrefix.size(), kUnixControlPrefix) == 0) {
    unix_path_ = address.substr(kUnixControlPrefix.size());
    base_url_ = "http://localhost";  // the Host a UNIX socket gets; the server does not check it there
  } else {
    base_url_ = "http://" + address;
  }
}

ControlResponse ControlClient::get(const std::string& path) const { return request("GET", path, nullptr); }

ControlResponse ControlClient::post(const std::string& path, const std::string& json_body) const {
  return request("POST", path, &json_body);
}

std::string ControlClient::escape(const std::string& value) {
  init_curl_once();
  char* escaped = curl_easy_escape(nullptr, value.data(), int(value.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

ControlResponse ControlClient::request(const char* method, const std::string& path, const std::string* body) const {
  init_curl_once();
  ControlResponse out;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  struct curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + token_;
  if (!token_.empty()) headers = curl_slist_append(headers, auth.c_str());
  if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);

  const std::string url = base_url_ + path;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (!unix_path_.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path_.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 5000L));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");  // the control API is local; never ask a proxy
  curl_easy_setopt(c, CURLOPT_USERAGENT, "dnsd-ctl/" DNSD_VERSION);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, long(body->size()));
  }
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error = error[0] ? error : curl_easy_strerror(rc);
    return out;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

}  // namespace dnsd
