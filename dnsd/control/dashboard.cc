#include "dnsd/control/dashboard.h"

namespace dnsd {

namespace {

std::string_view asset(std::string_view name) {
  for (const DashboardAsset& a : dashboard_assets())
    if (a.name == name) return a.body;
  return {};
}

}  // namespace

const std::vector<DashboardFile>& dashboard_files() {
  static const std::vector<DashboardFile> files{
      {"/", "text/html; charset=utf-8", asset("index.html")},
      {"/dashboard", "text/html; charset=utf-8", asset("index.html")},
      {"/dashboard.js", "text/javascript; charset=utf-8", asset("dashboard.js")},
      {"/dashboard.css", "text/css; charset=utf-8", asset("dashboard.css")},
  };
  return files;
}

std::string_view dashboard_html() { return asset("index.html"); }

HttpResponse dashboard_response(const DashboardFile& file) {
  HttpResponse r;
  r.content_type = file.content_type;
  r.body = std::string(file.body);
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                         "img-src 'self' data:; base-uri 'none'; form-action 'none'");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

}  // namespace dnsd
