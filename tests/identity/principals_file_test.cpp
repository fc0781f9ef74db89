#include "identity/principals_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/definition_loader.hpp"
#include "catalog/embedded_assets.hpp"
#include "identity/digest.hpp"
#include "identity/principal.hpp"
#include "upstream/credentials.hpp"

namespace cmcp::identity {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

// Credential values are canaries: distinctive enough that finding one in a message can only
// mean it leaked there.
constexpr std::string_view kTeamScalewayKey = "SCWCANARY-team-secrets-5f0c2e91";
constexpr std::string_view kAuditorsScalewayKey = "SCWCANARY-auditors-b7d44a03";
constexpr std::string_view kAuditorsTokenId = "pscanaryid01";
constexpr std::string_view kAuditorsToken = "pscale_tkn_CANARYauditors9d41";
constexpr std::string_view kServerScalewayKey = "SCWCANARY-server-own-0e6f";
// Pasted into the file by mistake, where a reference belongs.
constexpr std::string_view kInlineCanary = "SCWCANARY-pasted-inline-77aa";
constexpr std::string_view kPastedTokenCanary = "TOKENCANARY-pasted-bearer-31c8";

constexpr std::array<std::string_view, 7> kCanaries{
    kTeamScalewayKey,   kAuditorsScalewayKey, kAuditorsTokenId,  kAuditorsToken,
    kServerScalewayKey, kInlineCanary,        kPastedTokenCanary};

// sha256 of "team-secrets-token-1"; the auditors' are those of "auditors-token-1" and
// "auditors-token-2" (the second in upper case: either case is hex).
constexpr std::string_view kTeamHash =
    "2a6f2a18d30d3ceaf9a295e1c23076cc2fe8278fe81c256bc381ede4549fb886";

// Two teams: one narrowed to Secret Manager without deletion, with a bearer token; one
// read-only auditor recognised by a bearer token (two, mid-rotation) or an OAuth subject.
constexpr std::string_view kValidFile = R"json({
  "principals": [
    {
      "name": "team-secrets",
      "bearer_token_sha256": [
        "2a6f2a18d30d3ceaf9a295e1c23076cc2fe8278fe81c256bc381ede4549fb886"
      ],
      "scaleway": {
        "secret_key": "env:TEAM_SECRETS_SCW_KEY",
        "default_region": "nl-ams",
        "default_project_id": "7a9e2f4c-1b3d-4e5f-8a6b-9c0d1e2f3a4b"
      },
      "tools": {"toolsets": ["scaleway-secrets"], "exclude_tools": ["delete-secret"]}
    },
    {
      "name": "auditors",
      "bearer_token_sha256": [
        "2fe24ef3ace0fd359c3b9baa43959be1e13c8f96e1d422b6361704c7f5b86f96",
        "D77A655AB250E0EBF9FF8EA819B72A929545A590E3C7A0C41E283DDBCE196CD5"
      ],
      "oauth": {"sub": ["auditor-bot"], "claims": {"groups": ["auditors", "security"]}},
      "scaleway": {"secret_key": "file:/run/secrets/auditors-scw"},
      "planetscale": {
        "service_token_id": "env:AUDITORS_PS_ID",
        "service_token": "file:/run/secrets/auditors-ps",
        "default_organization": "acme-audit"
      },
      "tools": {"read_only": true}
    }
  ]
})json";

// What the loader sees of the machine: all fake, so no test reads the real environment or disk.
struct Host {
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> files;
    catalog::CatalogOptions server;
    std::optional<upstream::Credentials> substitute;
};

Host standard_host() {
    Host host;
    host.env["TEAM_SECRETS_SCW_KEY"] = std::string(kTeamScalewayKey);
    host.env["AUDITORS_PS_ID"] = std::string(kAuditorsTokenId);
    // Files end in a newline, as `echo` and editors leave them.
    host.files["/run/secrets/auditors-scw"] = std::string(kAuditorsScalewayKey).append("\n");
    host.files["/run/secrets/auditors-ps"] = std::string(kAuditorsToken).append("\n");
    host.server.defaults["scaleway.region"] = "fr-par";
    host.server.defaults["planetscale.organization"] = "acme";
    return host;
}

const std::shared_ptr<const catalog::Definitions>& shared_definitions() {
    static const auto definitions = std::make_shared<const catalog::Definitions>(
        catalog::load_definitions(catalog::embedded_assets()));
    return definitions;
}

LoadContext context_of(const Host& host) {
    LoadContext context;
    context.definitions = shared_definitions();
    context.server = host.server;
    context.getenv = [env = host.env](std::string_view name) {
        const auto found = env.find(std::string(name));
        return found == env.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
    context.read_file = [files = host.files](const std::string& path) {
        const auto found = files.find(path);
        return found == files.end() ? std::nullopt : std::optional<std::string>(found->second);
    };
    context.server_credentials.scaleway_secret_key = std::string(kServerScalewayKey);
    context.server_credentials.scaleway_source = "env:SCW_SECRET_KEY";
    context.substitute = host.substitute;
    return context;
}

std::shared_ptr<const Directory> loaded(std::string_view text, const Host& host) {
    auto result = load_principals(text, context_of(host));
    if (const auto* problem = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << "the file did not load: " << *problem;
        return nullptr;
    }
    return std::get<std::shared_ptr<const Directory>>(std::move(result));
}

std::string problem_of(std::string_view text, const Host& host) {
    auto result = load_principals(text, context_of(host));
    if (const auto* problem = std::get_if<std::string>(&result)) {
        return *problem;
    }
    ADD_FAILURE() << "the file loaded, but it should not have";
    return "(loaded)";
}

// The valid file with one change.
std::string edited(const std::function<void(json::object&)>& change) {
    auto file = json::parse(kValidFile).as_object();
    change(file);
    return json::serialize(file);
}

json::object& principal_at(json::object& file, std::size_t index) {
    return file.at("principals").as_array().at(index).as_object();
}

std::string name_of(const Principal* principal) {
    return principal == nullptr ? "(no principal)" : principal->name;
}

std::set<std::string> served_names(const Principal& principal) {
    std::set<std::string> names;
    for (const auto& tool : principal.catalog->tools()) {
        names.insert(tool.definition.name);
    }
    return names;
}

std::set<std::string> defined_names(
    const std::function<bool(const catalog::ToolDefinition&)>& wanted) {
    std::set<std::string> names;
    for (const auto& tool : shared_definitions()->tools) {
        if (wanted(tool)) {
            names.insert(tool.name);
        }
    }
    return names;
}

TEST(PrincipalsFile, ResolvesEachPrincipalsCredentialsFromItsReferences) {
    const auto directory = loaded(kValidFile, standard_host());
    ASSERT_NE(directory, nullptr);
    ASSERT_EQ(directory->principals().size(), 2U);

    const auto* team = directory->by_name("team-secrets");
    ASSERT_NE(team, nullptr);
    ASSERT_NE(team->credentials, nullptr);
    EXPECT_EQ(team->credentials->owner, "team-secrets");
    EXPECT_EQ(team->credentials->credentials.scaleway_secret_key, std::string(kTeamScalewayKey));
    EXPECT_EQ(team->credentials->credentials.scaleway_source, "env:TEAM_SECRETS_SCW_KEY");
    // No PlanetScale section: no PlanetScale credential, not the server's.
    EXPECT_FALSE(team->credentials->credentials.planetscale_authorization.has_value());

    const auto* auditors = directory->by_name("auditors");
    ASSERT_NE(auditors, nullptr);
    ASSERT_NE(auditors->credentials, nullptr);
    const auto& credentials = auditors->credentials->credentials;
    // File contents are trimmed: the trailing newline is not part of the key.
    EXPECT_EQ(credentials.scaleway_secret_key, std::string(kAuditorsScalewayKey));
    EXPECT_EQ(credentials.scaleway_source, "file:/run/secrets/auditors-scw");
    EXPECT_EQ(credentials.planetscale_authorization,
              std::string(kAuditorsTokenId).append(":") + std::string(kAuditorsToken));
    EXPECT_EQ(credentials.planetscale_source, "env:AUDITORS_PS_ID+file:/run/secrets/auditors-ps");

    EXPECT_EQ(directory->by_name("team-billing"), nullptr);
}

TEST(PrincipalsFile, PrincipalDefaultsOverrideTheServersAndKeepTheRest) {
    const auto directory = loaded(kValidFile, standard_host());
    ASSERT_NE(directory, nullptr);
    const auto* team = directory->by_name("team-secrets");
    const auto* auditors = directory->by_name("auditors");
    ASSERT_NE(team, nullptr);
    ASSERT_NE(auditors, nullptr);

    const auto& team_defaults = team->catalog->options().defaults;
    EXPECT_EQ(team_defaults.at("scaleway.region"), "nl-ams");
    EXPECT_EQ(team_defaults.at("scaleway.project_id"), "7a9e2f4c-1b3d-4e5f-8a6b-9c0d1e2f3a4b");
    EXPECT_EQ(team_defaults.at("planetscale.organization"), "acme");

    const auto& auditor_defaults = auditors->catalog->options().defaults;
    EXPECT_EQ(auditor_defaults.at("scaleway.region"), "fr-par");
    EXPECT_EQ(auditor_defaults.at("planetscale.organization"), "acme-audit");
}

TEST(PrincipalsFile, BearerDigestsAndOAuthClaimsFindTheirPrincipal) {
    const auto directory = loaded(kValidFile, standard_host());
    ASSERT_NE(directory, nullptr);

    EXPECT_EQ(name_of(directory->by_bearer(sha256("team-secrets-token-1"))), "team-secrets");
    // Both tokens of a rotation act as the same principal.
    EXPECT_EQ(name_of(directory->by_bearer(sha256("auditors-token-1"))), "auditors");
    EXPECT_EQ(name_of(directory->by_bearer(sha256("auditors-token-2"))), "auditors");
    EXPECT_EQ(directory->by_bearer(sha256("auditors-token-3")), nullptr);

    // The rule needs the subject and one of the listed groups.
    const auto staff = json::parse(R"({"sub": "auditor-bot", "groups": ["staff", "security"]})");
    EXPECT_EQ(name_of(directory->by_claims(staff.as_object())), "auditors");
    // A client-credentials token names its client in client_id; a claim may be a string.
    EXPECT_EQ(
        name_of(directory->by_claims(
            json::parse(R"({"client_id": "auditor-bot", "groups": "auditors"})").as_object())),
        "auditors");
    EXPECT_EQ(directory->by_claims(json::parse(R"({"sub": "auditor-bot"})").as_object()), nullptr);
    EXPECT_EQ(directory->by_claims(
                  json::parse(R"({"sub": "someone-else", "groups": ["auditors"]})").as_object()),
              nullptr);
}

TEST(PrincipalsFile, EachPrincipalsCatalogIsExactlyItsCeiling) {
    const auto directory = loaded(kValidFile, standard_host());
    ASSERT_NE(directory, nullptr);

    const auto secrets_but_delete = defined_names([](const catalog::ToolDefinition& tool) {
        return tool.toolset == "scaleway-secrets" && tool.name != "delete-secret";
    });
    EXPECT_EQ(secrets_but_delete.size(), 9U);
    EXPECT_EQ(served_names(*directory->by_name("team-secrets")), secrets_but_delete);

    const auto read_only = defined_names(
        [](const catalog::ToolDefinition& tool) { return tool.annotations.read_only; });
    ASSERT_FALSE(read_only.empty());
    ASSERT_LT(read_only.size(), shared_definitions()->tools.size());
    EXPECT_EQ(served_names(*directory->by_name("auditors")), read_only);
}

TEST(PrincipalsFile, ACeilingNarrowsTheServersSelectionButNeverWidensIt) {
    auto host = standard_host();
    host.server.selection.toolsets = {"scaleway-secrets"};
    const auto text = edited([](json::object& file) {
        principal_at(file, 0)["tools"] =
            json::parse(R"({"toolsets": ["scaleway-secrets", "planetscale"]})");
        principal_at(file, 1)["tools"] = json::parse(R"({"tools": ["list-service-tokens"]})");
    });
    const auto directory = loaded(text, host);
    ASSERT_NE(directory, nullptr);

    // The server offers no PlanetScale tool, so a ceiling naming them adds none.
    EXPECT_EQ(served_names(*directory->by_name("team-secrets")),
              defined_names([](const catalog::ToolDefinition& tool) {
                  return tool.toolset == "scaleway-secrets";
              }));
    EXPECT_TRUE(directory->by_name("auditors")->catalog->tools().empty());
}

TEST(PrincipalsFile, OneRedactorKnowsEverySecretOfEveryPrincipalAndTheServer) {
    const auto directory = loaded(kValidFile, standard_host());
    ASSERT_NE(directory, nullptr);
    ASSERT_NE(directory->redactor(), nullptr);
    // A vendor answer to one principal may echo another's secret: every call redacts them all.
    for (const auto& principal : directory->principals()) {
        EXPECT_EQ(principal.credentials->redactor, directory->redactor()) << principal.name;
    }
    std::string text = "echoed:";
    for (const auto secret : {kTeamScalewayKey, kAuditorsScalewayKey, kAuditorsTokenId,
                              kAuditorsToken, kServerScalewayKey}) {
        text += " " + std::string(secret);
    }
    const auto redacted = directory->redactor()->redact(text);
    for (const auto secret : {kTeamScalewayKey, kAuditorsScalewayKey, kAuditorsTokenId,
                              kAuditorsToken, kServerScalewayKey}) {
        EXPECT_THAT(redacted, Not(HasSubstr(std::string(secret))));
    }
    EXPECT_THAT(redacted, HasSubstr(std::string(upstream::Redactor::kMarker)));
}

TEST(PrincipalsFile, SandboxSubstitutesTheSimulatorsCredentialsWithoutReadingReferences) {
    auto host = standard_host();
    // Nothing the references name exists: the sandbox must not need it.
    host.env.clear();
    host.files.clear();
    upstream::Credentials simulator;
    simulator.scaleway_secret_key = "sandbox-scaleway-key";
    simulator.planetscale_authorization = "sandboxid:sandbox-token";
    host.substitute = simulator;

    const auto directory = loaded(kValidFile, host);
    ASSERT_NE(directory, nullptr);
    const auto& team = directory->by_name("team-secrets")->credentials->credentials;
    EXPECT_EQ(team.scaleway_secret_key, simulator.scaleway_secret_key);
    EXPECT_EQ(team.scaleway_source, "sandbox");
    // Only the providers a principal has a section for.
    EXPECT_FALSE(team.planetscale_authorization.has_value());
    const auto& auditors = directory->by_name("auditors")->credentials->credentials;
    EXPECT_EQ(auditors.scaleway_secret_key, simulator.scaleway_secret_key);
    EXPECT_EQ(auditors.planetscale_authorization, simulator.planetscale_authorization);
    EXPECT_EQ(auditors.planetscale_source, "sandbox");
}

TEST(PrincipalsFile, TextThatIsNotJsonIsReportedAsSuch) {
    const auto problem = problem_of(R"({"principals": [)", standard_host());
    EXPECT_THAT(problem, HasSubstr("the principals file is not valid JSON"));
}

TEST(PrincipalsFile, AFileThatCannotBeReadIsNamed) {
    const std::string path = "/nonexistent-cmcp-test-dir/principals.json";
    auto result = load_principals_file(path, context_of(standard_host()));
    const auto* problem = std::get_if<std::string>(&result);
    ASSERT_NE(problem, nullptr);
    EXPECT_THAT(*problem, HasSubstr("cannot read the principals file " + path));
}

// One broken file: what is changed, and what the message must say.
struct BrokenFile {
    std::string label;
    std::function<void(json::object&)> edit_file;  // null: the file stays valid
    std::function<void(Host&)> edit_host;          // null: the host stays as it is
    std::vector<std::string> expected;
};

std::vector<BrokenFile> broken_files() {
    return {
        {"no principals",
         [](json::object& file) { file["principals"] = json::array(); },
         nullptr,
         {"the file: needs a non-empty \"principals\" array"}},
        {"a misspelt top-level field",
         [](json::object& file) { file["principal"] = json::array(); },
         nullptr,
         {"the file: unknown field \"principal\" (known: principals)"}},
        {"a principal without a name",
         [](json::object& file) { principal_at(file, 0).erase("name"); },
         nullptr,
         {"principals[0]: needs a \"name\""}},
        {"a name with a space",
         [](json::object& file) { principal_at(file, 0)["name"] = "team secrets"; },
         nullptr,
         {"principals[0].name: \"team secrets\" must be 1 to 64"}},
        {"the same name twice",
         [](json::object& file) { principal_at(file, 1)["name"] = "team-secrets"; },
         nullptr,
         {"principals[1]: the name team-secrets is used twice"}},
        {"one token hash for two principals",
         [](json::object& file) {
             principal_at(file, 1)["bearer_token_sha256"].as_array().emplace_back(kTeamHash);
         },
         nullptr,
         {"principals[1] (auditors): a bearer token hash is also team-secrets's"}},
        {"a hash one digit short",
         [](json::object& file) {
             principal_at(file, 0)["bearer_token_sha256"] = json::array{kTeamHash.substr(1)};
         },
         nullptr,
         {"principals[0] (team-secrets).bearer_token_sha256: each entry must be 64 hex digits"}},
        {"a hash with a non-hex digit",
         [](json::object& file) {
             std::string hash(kTeamHash);
             hash[10] = 'g';
             principal_at(file, 0)["bearer_token_sha256"] = json::array{std::string_view(hash)};
         },
         nullptr,
         {"principals[0] (team-secrets).bearer_token_sha256: each entry must be 64 hex digits"}},
        {"an unknown principal field holding a pasted token",
         [](json::object& file) { principal_at(file, 0)["bearer_token"] = kPastedTokenCanary; },
         nullptr,
         {"principals[0] (team-secrets): unknown field \"bearer_token\""}},
        {"an unknown scaleway field",
         [](json::object& file) {
             principal_at(file, 0)["scaleway"].as_object()["region"] = "nl-ams";
         },
         nullptr,
         {"principals[0] (team-secrets).scaleway: unknown field \"region\""}},
        {"a credential written inline",
         [](json::object& file) {
             principal_at(file, 1)["scaleway"].as_object()["secret_key"] = kInlineCanary;
         },
         nullptr,
         {"principals[1] (auditors).scaleway.secret_key: must be a reference, \"env:NAME\" or "
          "\"file:/path\""}},
        {"an unset variable",
         nullptr,
         [](Host& host) { host.env.erase("TEAM_SECRETS_SCW_KEY"); },
         {"principals[0] (team-secrets).scaleway.secret_key: env:TEAM_SECRETS_SCW_KEY is not "
          "set"}},
        {"a blank variable",
         nullptr,
         [](Host& host) { host.env["AUDITORS_PS_ID"] = " \n"; },
         {"principals[1] (auditors).planetscale.service_token_id: env:AUDITORS_PS_ID is not "
          "set"}},
        {"an unreadable file",
         nullptr,
         [](Host& host) { host.files.erase("/run/secrets/auditors-ps"); },
         {"principals[1] (auditors).planetscale.service_token: file:/run/secrets/auditors-ps "
          "cannot be read"}},
        {"an empty file",
         nullptr,
         [](Host& host) { host.files["/run/secrets/auditors-scw"] = "\n"; },
         {"principals[1] (auditors).scaleway.secret_key: file:/run/secrets/auditors-scw is "
          "empty"}},
        {"half a service token",
         [](json::object& file) {
             principal_at(file, 1)["planetscale"].as_object().erase("service_token");
         },
         nullptr,
         {"principals[1] (auditors).planetscale: service_token_id and service_token go "
          "together"}},
        // A line break in a header value would let the value start a header of its own.
        {"a credential with a line break",
         nullptr,
         [](Host& host) {
             host.env["TEAM_SECRETS_SCW_KEY"] =
                 std::string(kTeamScalewayKey).append("\r\nX-Injected: yes");
         },
         {"principals[0] (team-secrets): The Scaleway credential contains control characters"}},
        {"an unknown toolset",
         [](json::object& file) {
             principal_at(file, 0)["tools"].as_object()["toolsets"] =
                 json::array{"scaleway-secret"};
         },
         nullptr,
         // The valid names are listed, so the typo can be fixed from the message alone.
         {"principal team-secrets.tools: unknown toolset 'scaleway-secret'", "scaleway-secrets"}},
        {"an unknown excluded tool",
         [](json::object& file) {
             principal_at(file, 0)["tools"].as_object()["exclude_tools"] =
                 json::array{"delete-secrets"};
         },
         nullptr,
         {"principal team-secrets.tools: unknown tool 'delete-secrets'", "valid tools: "}},
        {"an unknown ceiling field",
         [](json::object& file) { principal_at(file, 0)["tools"].as_object()["readonly"] = true; },
         nullptr,
         {"principals[0] (team-secrets).tools: unknown field \"readonly\""}},
        {"read_only that is not a boolean",
         [](json::object& file) {
             principal_at(file, 1)["tools"].as_object()["read_only"] = "yes";
         },
         nullptr,
         {"principals[1] (auditors).tools.read_only: must be true or false"}},
        {"a principal nothing can act as",
         [](json::object& file) { principal_at(file, 0).erase("bearer_token_sha256"); },
         nullptr,
         {"principals[0] (team-secrets): needs bearer_token_sha256 or oauth"}},
        // An empty rule would match every token of the issuer.
        {"an empty OAuth rule",
         [](json::object& file) { principal_at(file, 1)["oauth"] = json::object(); },
         nullptr,
         {"principals[1] (auditors).oauth: needs \"sub\" or \"claims\""}},
    };
}

TEST(PrincipalsFile, EachProblemIsOneLineSayingWhereAndWhatWithoutAnySecret) {
    for (const auto& broken : broken_files()) {
        SCOPED_TRACE(broken.label);
        auto host = standard_host();
        if (broken.edit_host) {
            broken.edit_host(host);
        }
        const std::string text =
            broken.edit_file ? edited(broken.edit_file) : std::string(kValidFile);
        const auto problem = problem_of(text, host);
        EXPECT_THAT(problem, HasSubstr("principals file, "));
        for (const auto& expected : broken.expected) {
            EXPECT_THAT(problem, HasSubstr(expected));
        }
        EXPECT_EQ(problem.find('\n'), std::string::npos) << problem;
        // Earlier principals' credentials are resolved by the time a later one fails, and a
        // pasted value is right there in the file: neither may reach the message (it is logged).
        for (const auto canary : kCanaries) {
            EXPECT_THAT(problem, Not(HasSubstr(std::string(canary))));
        }
    }
}

}  // namespace
}  // namespace cmcp::identity
