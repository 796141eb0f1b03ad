// TEMPORARY stand-in for auth::BuildScramVerifier until scram.cc is merged.
// Delete before merging: the real implementation replaces it.
#include <string>
#include <string_view>

namespace tusk::auth {
std::string BuildScramVerifier(std::string_view password, int iterations = 4096);
std::string BuildScramVerifier(std::string_view password, int iterations) {
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":fake$" + std::string(password) + ":x";
}
}  // namespace tusk::auth
