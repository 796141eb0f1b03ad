// Tests for SCRAM-SHA-256 and MD5 password handling. The client side of SCRAM
// is computed here directly with OpenSSL primitives, independently of the
// server code, and checked against the RFC 7677 example exchange.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <functional>
#include <string>

#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "utils/base64.h"
#include "utils/error.h"

namespace {

using tusk::auth::ScramServer;

std::string B64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(n);
  return out;
}

std::string UnB64(const std::string& text) {
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  out.resize(n - pad);
  return out;
}

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string H(const std::string& data) {
  unsigned char out[32];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string Pbkdf2(const std::string& password, const std::string& salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), 32, out);
  return std::string(reinterpret_cast<char*>(out), 32);
}

std::string XorStr(const std::string& a, const std::string& b) {
  std::string out = a;
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

// Value of attribute `attr` in a comma-separated SCRAM message.
std::string Attr(const std::string& msg, char attr) {
  size_t pos = 0;
  while (pos < msg.size()) {
    size_t comma = msg.find(',', pos);
    std::string part = msg.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (part.size() >= 2 && part[0] == attr && part[1] == '=') return part.substr(2);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return "";
}

// A SCRAM client as libpq behaves: gs2 header "n,,", empty user name.
struct Client {
  explicit Client(std::string pw, std::string header = "n,,")
      : password(std::move(pw)), gs2(std::move(header)) {}
  std::string password;
  std::string gs2;
  std::string nonce = "fyko+d2lbbFgONRv9qkxdawL";
  std::string first_bare;
  std::string server_first;
  std::string expected_server_signature;

  std::string First() {
    first_bare = "n=,r=" + nonce;
    return gs2 + first_bare;
  }
  // Builds client-final; `nonce_override` lets tests tamper with r=.
  std::string Final(const std::string& sfirst, const std::string& nonce_override = "") {
    server_first = sfirst;
    std::string full_nonce = nonce_override.empty() ? Attr(sfirst, 'r') : nonce_override;
    std::string salt = UnB64(Attr(sfirst, 's'));
    int iterations = std::stoi(Attr(sfirst, 'i'));
    std::string salted = Pbkdf2(password, salt, iterations);
    std::string client_key = Hmac(salted, "Client Key");
    std::string stored_key = H(client_key);
    std::string without_proof = "c=" + B64(gs2) + ",r=" + full_nonce;
    std::string auth_message = first_bare + "," + sfirst + "," + without_proof;
    std::string proof = XorStr(client_key, Hmac(stored_key, auth_message));
    expected_server_signature = B64(Hmac(Hmac(salted, "Server Key"), auth_message));
    return without_proof + ",p=" + B64(proof);
  }
};

std::string SqlState(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const tusk::PgError& e) {
    return e.data().sqlstate;
  }
  return "none";
}

TEST(Scram, VerifierMatchesRfc7677Example) {
  // RFC 7677 section 3: user "user", password "pencil".
  std::string salt = UnB64("W22ZaJ0SNY7soEsUEjb6gQ==");
  std::string v = tusk::auth::BuildScramVerifierWithSalt("pencil", salt, 4096);
  tusk::auth::ScramVerifier parsed;
  ASSERT_TRUE(tusk::auth::ParseScramVerifier(v, &parsed));
  EXPECT_EQ(parsed.iterations, 4096);
  EXPECT_EQ(parsed.salt, salt);

  std::string client_first_bare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
  std::string server_first =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  std::string without_proof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  std::string proof = UnB64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  // The RFC's proof must verify against our StoredKey, and our ServerKey must
  // give the RFC's server signature.
  std::string client_key = XorStr(proof, Hmac(parsed.stored_key, auth_message));
  EXPECT_EQ(H(client_key), parsed.stored_key);
  EXPECT_EQ(B64(Hmac(parsed.server_key, auth_message)),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  // And the whole verifier equals one built here from scratch.
  std::string salted = Pbkdf2("pencil", salt, 4096);
  EXPECT_EQ(v, "SCRAM-SHA-256$4096:" + B64(salt) + "$" + B64(H(Hmac(salted, "Client Key"))) +
                   ":" + B64(Hmac(salted, "Server Key")));
}

TEST(Scram, VerifierFormatAndRandomSalt) {
  std::string a = tusk::auth::BuildScramVerifier("secret");
  std::string b = tusk::auth::BuildScramVerifier("secret");
  EXPECT_NE(a, b);  // fresh salt each time
  tusk::auth::ScramVerifier v;
  ASSERT_TRUE(tusk::auth::ParseScramVerifier(a, &v));
  EXPECT_EQ(v.salt.size(), 16u);
  EXPECT_EQ(v.iterations, 4096);
  EXPECT_EQ(a.rfind("SCRAM-SHA-256$4096:", 0), 0u);
  EXPECT_FALSE(tusk::auth::IsScramVerifier("SCRAM-SHA-256$4096:abc"));
  EXPECT_FALSE(tusk::auth::IsScramVerifier("SCRAM-SHA-256$x:c2FsdA==$AAAA:AAAA"));
  EXPECT_FALSE(tusk::auth::IsScramVerifier("md5abc"));
  EXPECT_FALSE(tusk::auth::IsScramVerifier(""));
}

TEST(Scram, Base64RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    std::string enc = tusk::Base64Encode(s);
    EXPECT_EQ(enc, B64(s));
    std::string dec;
    ASSERT_TRUE(tusk::Base64Decode(enc, &dec));
    EXPECT_EQ(dec, s);
  }
  std::string dec;
  EXPECT_FALSE(tusk::Base64Decode("abc", &dec));
  EXPECT_FALSE(tusk::Base64Decode("a=bc", &dec));
  EXPECT_FALSE(tusk::Base64Decode("ab!c", &dec));
}

TEST(Scram, FullExchangeSucceeds) {
  ScramServer server("alice", tusk::auth::BuildScramVerifier("correct horse"));
  Client client("correct horse");
  std::string sfirst = server.HandleClientFirst("SCRAM-SHA-256", client.First());
  EXPECT_EQ(Attr(sfirst, 'r').rfind(client.nonce, 0), 0u);
  EXPECT_GT(Attr(sfirst, 'r').size(), client.nonce.size());
  EXPECT_EQ(Attr(sfirst, 'i'), "4096");
  bool ok = false;
  std::string sfinal = server.HandleClientFinal(client.Final(sfirst), &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(sfinal, "v=" + client.expected_server_signature);
}

TEST(Scram, YFlagAccepted) {
  // "y": the client could bind channels but thinks we cannot; c= then is base64("y,,").
  ScramServer server("alice", tusk::auth::BuildScramVerifier("pw"));
  Client client("pw", "y,,");
  std::string sfirst = server.HandleClientFirst("SCRAM-SHA-256", client.First());
  std::string final_msg = client.Final(sfirst);
  EXPECT_EQ(final_msg.substr(0, 7), "c=eSws,");
  bool ok = false;
  EXPECT_EQ(server.HandleClientFinal(final_msg, &ok), "v=" + client.expected_server_signature);
  EXPECT_TRUE(ok);
}

TEST(Scram, WrongPasswordFails) {
  ScramServer server("alice", tusk::auth::BuildScramVerifier("right"));
  Client client("wrong");
  std::string sfirst = server.HandleClientFirst("SCRAM-SHA-256", client.First());
  bool ok = true;
  EXPECT_EQ(server.HandleClientFinal(client.Final(sfirst), &ok), "");
  EXPECT_FALSE(ok);
}

TEST(Scram, TamperedNonceFails) {
  ScramServer server("alice", tusk::auth::BuildScramVerifier("pw"));
  Client client("pw");
  std::string sfirst = server.HandleClientFirst("SCRAM-SHA-256", client.First());
  std::string nonce = Attr(sfirst, 'r');
  nonce.back() = nonce.back() == 'A' ? 'B' : 'A';
  bool ok = true;
  server.HandleClientFinal(client.Final(sfirst, nonce), &ok);
  EXPECT_FALSE(ok);
}

TEST(Scram, MissingRoleRunsMockExchangeAndFails) {
  ScramServer a("ghost", "");
  ScramServer b("ghost", "");
  Client client("anything");
  std::string first = client.First();
  std::string sfirst_a = a.HandleClientFirst("SCRAM-SHA-256", first);
  std::string sfirst_b = b.HandleClientFirst("SCRAM-SHA-256", first);
  // Same made-up salt each time, so a prober cannot spot the fake.
  EXPECT_EQ(Attr(sfirst_a, 's'), Attr(sfirst_b, 's'));
  bool ok = true;
  a.HandleClientFinal(client.Final(sfirst_a), &ok);
  EXPECT_FALSE(ok);

  ScramServer md5_role("bob", tusk::auth::BuildMd5Verifier("pw", "bob"));
  Client c2("pw");
  std::string s2 = md5_role.HandleClientFirst("SCRAM-SHA-256", c2.First());
  md5_role.HandleClientFinal(c2.Final(s2), &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(md5_role.log_detail(), "User \"bob\" does not have a valid SCRAM secret.");
}

TEST(Scram, MalformedClientFirstThrows) {
  auto first = [](std::string mech, std::string data) {
    return SqlState([&] {
      ScramServer s("u", tusk::auth::BuildScramVerifierWithSalt("pw", "salt", 10));
      s.HandleClientFirst(mech, data);
    });
  };
  EXPECT_EQ(first("SCRAM-SHA-256", "n,,n=,r=abc"), "none");
  EXPECT_EQ(first("SCRAM-SHA-256-PLUS", "n,,n=,r=abc"), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", ""), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc"), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "x,,n=,r=abc"), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "n,a=bob,n=,r=abc"), "0A000");
  EXPECT_EQ(first("SCRAM-SHA-256", "n,,m=ext,n=,r=abc"), "0A000");
  EXPECT_EQ(first("SCRAM-SHA-256", "n,,r=abc"), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "n,,n=,r="), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "n,,n=,x=abc"), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", std::string("n,,n=,r=a\0b", 11)), "08P01");
  EXPECT_EQ(first("SCRAM-SHA-256", "n"), "08P01");

  try {
    ScramServer s("u", "");
    s.HandleClientFirst("SCRAM-SHA-256", "q,,n=,r=abc");
    FAIL();
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().message, "malformed SCRAM message");
    EXPECT_EQ(e.data().detail, "Unexpected channel-binding flag \"q\".");
  }
}

TEST(Scram, MalformedClientFinalThrows) {
  auto final_state = [](const std::function<std::string(const std::string&, Client&)>& make) {
    return SqlState([&] {
      ScramServer s("u", tusk::auth::BuildScramVerifierWithSalt("pw", "salt", 10));
      Client c("pw");
      std::string sfirst = s.HandleClientFirst("SCRAM-SHA-256", c.First());
      bool ok;
      s.HandleClientFinal(make(sfirst, c), &ok);
    });
  };
  EXPECT_EQ(final_state([](auto& sf, Client& c) { return c.Final(sf); }), "none");
  EXPECT_EQ(final_state([](auto& sf, Client& c) { return c.Final(sf) + ",x=1"; }), "08P01");
  EXPECT_EQ(final_state([](auto& sf, Client& c) { return c.Final(sf) + ","; }), "08P01");
  EXPECT_EQ(final_state([](auto& sf, Client& c) {
              std::string m = c.Final(sf);
              return m.substr(0, m.find(",p="));
            }),
            "08P01");
  EXPECT_EQ(final_state([](auto& sf, Client& c) {
              std::string m = c.Final(sf);
              return m.substr(0, m.find(",p=")) + ",p=AAAA";
            }),
            "08P01");
  EXPECT_EQ(final_state([](auto& sf, Client& c) {
              std::string m = c.Final(sf);
              return "c=eSws" + m.substr(6);  // says "y" but sent "n"
            }),
            "08P01");
  EXPECT_EQ(final_state([](auto&, Client&) { return std::string("r=abc"); }), "08P01");

  // Final before first is a protocol violation too.
  EXPECT_EQ(SqlState([] {
              ScramServer s("u", "");
              bool ok;
              s.HandleClientFinal("c=biws,r=x,p=AAAA", &ok);
            }),
            "08P01");
}

TEST(Md5, VerifierAndChallenge) {
  // Independent computation with OpenSSL's MD5().
  auto hex = [](const std::string& in) {
    unsigned char d[16];
    EVP_Digest(in.data(), in.size(), d, nullptr, EVP_md5(), nullptr);
    static const char* k = "0123456789abcdef";
    std::string out;
    for (unsigned char c : d) { out += k[c >> 4]; out += k[c & 15]; }
    return out;
  };
  EXPECT_EQ(tusk::auth::Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  std::string v = tusk::auth::BuildMd5Verifier("secret", "alice");
  EXPECT_EQ(v, "md5" + hex("secretalice"));
  EXPECT_TRUE(tusk::auth::IsMd5Verifier(v));
  EXPECT_FALSE(tusk::auth::IsMd5Verifier("md5xyz"));

  const uint8_t salt[4] = {0x01, 0xff, 0x00, 0x7f};
  std::string response = "md5" + hex(v.substr(3) + std::string(reinterpret_cast<const char*>(salt), 4));
  EXPECT_TRUE(tusk::auth::CheckMd5Response(v, salt, response));
  const uint8_t other_salt[4] = {0x02, 0xff, 0x00, 0x7f};
  EXPECT_FALSE(tusk::auth::CheckMd5Response(v, other_salt, response));
  std::string wrong = "md5" + hex(tusk::auth::BuildMd5Verifier("nope", "alice").substr(3) +
                                  std::string(reinterpret_cast<const char*>(salt), 4));
  EXPECT_FALSE(tusk::auth::CheckMd5Response(v, salt, wrong));
  EXPECT_FALSE(tusk::auth::CheckMd5Response(tusk::auth::BuildScramVerifier("secret"), salt, response));
  EXPECT_FALSE(tusk::auth::CheckMd5Response("", salt, "md5"));
}

TEST(Md5, PlainPasswordAgainstBothVerifiers) {
  std::string scram = tusk::auth::BuildScramVerifier("hunter2");
  EXPECT_TRUE(tusk::auth::CheckPlainPassword(scram, "alice", "hunter2"));
  EXPECT_FALSE(tusk::auth::CheckPlainPassword(scram, "alice", "hunter3"));
  std::string md5 = tusk::auth::BuildMd5Verifier("hunter2", "alice");
  EXPECT_TRUE(tusk::auth::CheckPlainPassword(md5, "alice", "hunter2"));
  EXPECT_FALSE(tusk::auth::CheckPlainPassword(md5, "bob", "hunter2"));
  EXPECT_FALSE(tusk::auth::CheckPlainPassword(md5, "alice", ""));
  EXPECT_FALSE(tusk::auth::CheckPlainPassword("", "alice", ""));
}

}  // namespace
