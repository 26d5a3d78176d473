// The embedded dashboard: every file is there, the page loads its script and
// style sheet from the server, and nothing inline would need 'unsafe-inline'.
#include "dnsd/control/dashboard.h"

#include <doctest.h>

#include <string>

TEST_CASE("dashboard: the page, script and style sheet are embedded and routed") {
  const std::string page(dnsd::dashboard_html());
  CHECK(page.find("<title>dnsd dashboard</title>") != std::string::npos);
  CHECK(page.find("src=\"/dashboard.js\"") != std::string::npos);
  CHECK(page.find("href=\"/dashboard.css\"") != std::string::npos);
  CHECK(page.find("<style") == std::string::npos);
  CHECK(page.find(" onclick=") == std::string::npos);
  bool js = false, css = false;
  for (const dnsd::DashboardFile& f : dnsd::dashboard_files()) {
    CHECK_FALSE(f.body.empty());
    js = js || (f.path == "/dashboard.js" && f.content_type.find("javascript") != std::string::npos);
    css = css || (f.path == "/dashboard.css" && f.content_type.find("text/css") != std::string::npos);
  }
  CHECK(js);
  CHECK(css);
  const dnsd::HttpResponse r = dnsd::dashboard_response(dnsd::dashboard_files()[0]);
  bool csp = false;
  for (const auto& [name, value] : r.headers)
    csp = csp || (name == "Content-Security-Policy" && value.find("script-src 'self'") != std::string::npos);
  CHECK(csp);
}
