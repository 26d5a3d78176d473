// A main() for the fuzz harnesses without libFuzzer: runs every file named on
// the command line, and every file in every directory named (sorted, dot
// files skipped), through LLVMFuzzerTestOneInput once. A directory that does
// not exist is skipped with a note (a harness may have no crashers yet); a
// run that finds no input at all fails, so a mistyped corpus path cannot
// pass. The gcc build registers one such replay per harness as a meson test.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {

/// Runs one file; false when it cannot be read.
bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  // An exactly sized heap copy, so a sanitizer build sees any read past the end.
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("replay: %s (%zu bytes)\n", path.c_str(), data.size());
  std::fflush(stdout);  // the name is out before a crash
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  size_t ran = 0;
  bool unreadable = false;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(arg, ec))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (run_file(f)) ++ran;
        else unreadable = true;
      }
    } else if (fs::exists(arg, ec)) {
      if (run_file(arg)) ++ran;
      else unreadable = true;
    } else {
      std::printf("replay: %s does not exist, skipped\n", argv[i]);
    }
  }
  std::printf("replay: ran %zu input%s\n", ran, ran == 1 ? "" : "s");
  if (ran == 0) std::fprintf(stderr, "replay: no inputs found\n");
  return ran == 0 || unreadable ? 1 : 0;
}
