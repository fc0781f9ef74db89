#include <gtest/gtest.h>

#include "harness.hpp"
#include "sandbox/sandbox.hpp"

namespace cmcp::sandbox::test {
namespace {

const std::string kSecrets = "/secret-manager/v1beta1/regions/fr-par/secrets";
const std::string kOtherProject = "a56ace7a-1eab-4d96-adae-1366c761690e";

class SecretManager : public ::testing::Test {
  protected:
    Sandbox sandbox{make_options()};
    const DemoData& demo = sandbox.demo();

    std::string secret_path(const std::string& id) const { return kSecrets + "/" + id; }

    std::vector<std::string> names(const std::string& query) {
        const auto answer = scw(sandbox, "GET", kSecrets + "?" + query);
        EXPECT_EQ(answer.status, 200) << answer.body;
        std::vector<std::string> out;
        const auto body = answer.object();
        for (const auto& secret : body.at("secrets").as_array()) {
            out.push_back(str(secret.at("name")));
        }
        return out;
    }
    std::int64_t total(const std::string& query) {
        return num(scw(sandbox, "GET", kSecrets + "?" + query).object().at("total_count"));
    }
    boost::json::object create(const std::string& body, const std::string& base = kSecrets) {
        const auto answer = scw(sandbox, "POST", base, body);
        EXPECT_EQ(answer.status, 200) << answer.body;
        return answer.object();
    }
    std::string minimal(const std::string& name, const std::string& extra = "") const {
        return R"({"name":")" + name + R"(","project_id":")" + demo.project_id + "\"" + extra + "}";
    }
};

using Names = std::vector<std::string>;

void expect_secret_shape(const boost::json::object& secret) {
    const std::vector<std::string> keys = {"id",          "project_id",
                                           "name",        "status",
                                           "created_at",  "updated_at",
                                           "tags",        "version_count",
                                           "description", "managed",
                                           "protected",   "type",
                                           "path",        "ephemeral_policy",
                                           "used_by",     "deletion_requested_at",
                                           "key_id",      "region"};
    EXPECT_EQ(secret.size(), keys.size()) << boost::json::serialize(secret);
    for (const auto& key : keys) {
        EXPECT_TRUE(secret.contains(key)) << key;
    }
}

void expect_version_shape(const boost::json::object& version) {
    const std::vector<std::string> keys = {
        "revision",   "secret_id",   "status", "created_at",           "updated_at",
        "deleted_at", "description", "latest", "ephemeral_properties", "deletion_requested_at",
        "region"};
    EXPECT_EQ(version.size(), keys.size()) << boost::json::serialize(version);
    for (const auto& key : keys) {
        EXPECT_TRUE(version.contains(key)) << key;
    }
}

void expect_error(const Answer& answer, int status, const std::string& type) {
    EXPECT_EQ(answer.status, status) << answer.body;
    EXPECT_EQ(answer.text("type"), type) << answer.body;
    EXPECT_FALSE(answer.text("message").empty());
}

void expect_invalid_argument(const Answer& answer, const std::string& argument,
                             const std::string& reason) {
    expect_error(answer, 400, "invalid_arguments");
    const auto details = answer.object().at("details").as_array();
    ASSERT_EQ(details.size(), 1U);
    EXPECT_EQ(str(details[0].at("argument_name")), argument);
    EXPECT_EQ(str(details[0].at("reason")), reason);
}

TEST_F(SecretManager, ListHidesScheduledSecretsByDefault) {
    const auto answer = scw(sandbox, "GET", kSecrets);
    ASSERT_EQ(answer.status, 200);
    const auto body = answer.object();
    EXPECT_EQ(body.size(), 2U);
    EXPECT_EQ(num(body.at("total_count")), 2);
    const auto& secrets = body.at("secrets").as_array();
    ASSERT_EQ(secrets.size(), 2U);
    for (const auto& secret : secrets) {
        expect_secret_shape(secret.as_object());
        EXPECT_TRUE(secret.at("deletion_requested_at").is_null());
        EXPECT_EQ(str(secret.at("status")), "ready");
        EXPECT_EQ(str(secret.at("region")), "fr-par");
        EXPECT_EQ(str(secret.at("project_id")), demo.project_id);
        EXPECT_FALSE(secret.at("managed").as_bool());
    }
    EXPECT_EQ(str(secrets[0].at("id")), demo.secret_id);
    EXPECT_EQ(num(secrets[0].at("version_count")), 2);
    EXPECT_FALSE(secrets[0].at("protected").as_bool());
    EXPECT_EQ(str(secrets[1].at("id")), demo.protected_secret_id);
    EXPECT_TRUE(secrets[1].at("protected").as_bool());
    EXPECT_EQ(str(secrets[1].at("used_by").as_array()[0]), "edge_services");

    EXPECT_EQ(names("scheduled_for_deletion=false"),
              (Names{"database-password", "tls-certificate"}));
    const auto scheduled = scw(sandbox, "GET", kSecrets + "?scheduled_for_deletion=true").object();
    EXPECT_EQ(num(scheduled.at("total_count")), 1);
    const auto& only = scheduled.at("secrets").as_array()[0];
    EXPECT_EQ(str(only.at("id")), demo.scheduled_secret_id);
    EXPECT_TRUE(only.at("deletion_requested_at").is_string());
}

TEST_F(SecretManager, ListFilters) {
    EXPECT_EQ(total("project_id=" + demo.project_id), 2);
    EXPECT_EQ(total("project_id=" + kOtherProject), 0);
    EXPECT_EQ(total("organization_id=" + demo.organization_id), 2);
    EXPECT_EQ(total("organization_id=" + kOtherProject), 0);
    EXPECT_EQ(names("name=password"), Names{"database-password"});
    EXPECT_EQ(names("path=%2Fdemo"), Names{"database-password"});
    EXPECT_EQ(names("path=/"), Names{"tls-certificate"});
    EXPECT_EQ(names("tags=env%3Ademo"), (Names{"database-password", "tls-certificate"}));
    EXPECT_EQ(names("tags=env:demo&tags=team:backend"), Names{"database-password"});
    EXPECT_EQ(names("tags=team:backend&tags=nope"), Names{});
    EXPECT_EQ(names("tags=legacy&tags=env:demo&scheduled_for_deletion=true"),
              Names{"legacy-api-key"});
    EXPECT_EQ(names("type=certificate"), Names{"tls-certificate"});
    EXPECT_EQ(names("type=unknown_type"), (Names{"database-password", "tls-certificate"}));
    EXPECT_EQ(names("ephemeral=true"), Names{});
    EXPECT_EQ(names("ephemeral=false"), (Names{"database-password", "tls-certificate"}));

    expect_invalid_argument(scw(sandbox, "GET", kSecrets + "?type=password"), "type", "constraint");
    expect_invalid_argument(scw(sandbox, "GET", kSecrets + "?project_id=123"), "project_id",
                            "constraint");
    expect_invalid_argument(scw(sandbox, "GET", kSecrets + "?scheduled_for_deletion=yes"),
                            "scheduled_for_deletion", "format");
    expect_invalid_argument(scw(sandbox, "GET", "/secret-manager/v1beta1/regions/eu/secrets"),
                            "region", "constraint");
}

TEST_F(SecretManager, ListOrdersAndPaginates) {
    create(minimal("alpha"));
    create(minimal("zulu"));
    EXPECT_EQ(names(""), (Names{"alpha", "database-password", "tls-certificate", "zulu"}));
    EXPECT_EQ(names("order_by=name_desc"),
              (Names{"zulu", "tls-certificate", "database-password", "alpha"}));
    EXPECT_EQ(names("order_by=created_at_asc"),
              (Names{"database-password", "tls-certificate", "alpha", "zulu"}));
    EXPECT_EQ(names("order_by=created_at_desc"),
              (Names{"zulu", "alpha", "tls-certificate", "database-password"}));
    EXPECT_EQ(names("order_by=updated_at_asc").front(), "tls-certificate");

    EXPECT_EQ(names("page_size=3&page=1"),
              (Names{"alpha", "database-password", "tls-certificate"}));
    EXPECT_EQ(names("page_size=3&page=2"), Names{"zulu"});
    EXPECT_EQ(names("page_size=3&page=3"), Names{});
    EXPECT_EQ(total("page_size=3&page=2"), 4);
    EXPECT_EQ(total("page_size=1&page=4&name=a"), 3);  // alpha, database-password, tls-certificate

    expect_invalid_argument(scw(sandbox, "GET", kSecrets + "?order_by=size"), "order_by",
                            "constraint");
    expect_invalid_argument(scw(sandbox, "GET", kSecrets + "?page_size=1000"), "page_size",
                            "constraint");
}

TEST_F(SecretManager, CreateAppliesDefaults) {
    const auto secret = create(minimal("api-key"));
    expect_secret_shape(secret);
    EXPECT_TRUE(is_uuid_text(str(secret.at("id"))));
    EXPECT_EQ(str(secret.at("name")), "api-key");
    EXPECT_EQ(str(secret.at("project_id")), demo.project_id);
    EXPECT_EQ(str(secret.at("status")), "ready");
    EXPECT_EQ(str(secret.at("type")), "opaque");
    EXPECT_EQ(str(secret.at("path")), "/");
    EXPECT_FALSE(secret.at("protected").as_bool());
    EXPECT_FALSE(secret.at("managed").as_bool());
    EXPECT_EQ(num(secret.at("version_count")), 0);
    EXPECT_TRUE(secret.at("tags").as_array().empty());
    EXPECT_TRUE(secret.at("used_by").as_array().empty());
    EXPECT_TRUE(secret.at("description").is_null());
    EXPECT_TRUE(secret.at("ephemeral_policy").is_null());
    EXPECT_TRUE(secret.at("deletion_requested_at").is_null());
    EXPECT_TRUE(secret.at("key_id").is_null());
    EXPECT_EQ(str(secret.at("region")), "fr-par");
    EXPECT_EQ(str(secret.at("created_at")), str(secret.at("updated_at")));

    const auto fetched = scw(sandbox, "GET", secret_path(str(secret.at("id"))));
    ASSERT_EQ(fetched.status, 200);
    EXPECT_EQ(fetched.object(), secret);
}

TEST_F(SecretManager, CreateKeepsEveryField) {
    const auto secret = create(minimal(
        "stripe",
        R"(,"tags":["prod","payments"],"description":"Stripe key","type":"key_value",)"
        R"("path":"/app/prod","protected":true,"key_id":"51ad07ca-527f-4cfd-8f20-435175740f8a",)"
        R"("ephemeral_policy":{"time_to_live":"3600s","expires_once_accessed":true,"action":"disable"})"));
    EXPECT_EQ(secret.at("tags"), boost::json::array({"prod", "payments"}));
    EXPECT_EQ(str(secret.at("description")), "Stripe key");
    EXPECT_EQ(str(secret.at("type")), "key_value");
    EXPECT_EQ(str(secret.at("path")), "/app/prod");
    EXPECT_TRUE(secret.at("protected").as_bool());
    EXPECT_EQ(str(secret.at("key_id")), "51ad07ca-527f-4cfd-8f20-435175740f8a");
    const auto& policy = secret.at("ephemeral_policy").as_object();
    EXPECT_EQ(str(policy.at("time_to_live")), "3600s");
    EXPECT_TRUE(policy.at("expires_once_accessed").as_bool());
    EXPECT_EQ(str(policy.at("action")), "disable");
    EXPECT_EQ(names("ephemeral=true"), Names{"stripe"});
}

TEST_F(SecretManager, CreateValidates) {
    expect_invalid_argument(
        scw(sandbox, "POST", kSecrets, R"({"project_id":")" + demo.project_id + R"("})"), "name",
        "required");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, R"({"name":"x"})"), "project_id",
                            "required");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, R"({"name":"x","project_id":"p1"})"),
                            "project_id", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, minimal("x", R"(,"type":"password")")),
                            "type", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, minimal("x", R"(,"path":"relative")")),
                            "path", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, minimal("x", R"(,"path":"/trailing/")")),
                            "path", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, minimal("x", R"(,"tags":"prod")")),
                            "tags", "format");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, minimal("x", R"(,"protected":"yes")")),
                            "protected", "format");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets,
                                minimal("x", R"(,"ephemeral_policy":{"time_to_live":"forever"})")),
                            "ephemeral_policy.time_to_live", "constraint");
    expect_invalid_argument(
        scw(sandbox, "POST", kSecrets, minimal("x", R"(,"ephemeral_policy":{"action":"shred"})")),
        "ephemeral_policy.action", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", kSecrets, ""), "name", "required");
    for (const std::string body : {"{", "{\"name\":\"x\",}", "[1,2]", "null"}) {
        expect_invalid_argument(scw(sandbox, "POST", kSecrets, body), "body", "format");
    }
    EXPECT_EQ(total(""), 2);
}

TEST_F(SecretManager, NameAndPathAreUniquePerProject) {
    const auto clash =
        scw(sandbox, "POST", kSecrets, minimal("database-password", R"(,"path":"/demo")"));
    expect_error(clash, 409, "already_exists");
    EXPECT_EQ(clash.text("resource"), "secret");
    EXPECT_EQ(clash.text("resource_id"), demo.secret_id);
    EXPECT_FALSE(clash.text("help_message").empty());
    // A scheduled secret still holds its name.
    expect_error(scw(sandbox, "POST", kSecrets, minimal("legacy-api-key")), 409, "already_exists");

    create(minimal("database-password"));  // other path
    create(R"({"name":"database-password","path":"/demo","project_id":")" + kOtherProject +
           R"("})");
    create(minimal("database-password", R"(,"path":"/demo")"),
           "/secret-manager/v1beta1/regions/nl-ams/secrets");
}

TEST_F(SecretManager, GetFindsSecretsInTheirRegionOnly) {
    const auto answer = scw(sandbox, "GET", secret_path(demo.secret_id));
    ASSERT_EQ(answer.status, 200);
    expect_secret_shape(answer.object());
    EXPECT_EQ(answer.text("name"), "database-password");

    const auto missing = scw(sandbox, "GET", secret_path(kOtherProject));
    expect_error(missing, 404, "not_found");
    EXPECT_EQ(missing.text("resource"), "secret");
    EXPECT_EQ(missing.text("resource_id"), kOtherProject);
    expect_error(
        scw(sandbox, "GET", "/secret-manager/v1beta1/regions/pl-waw/secrets/" + demo.secret_id),
        404, "not_found");
    expect_invalid_argument(scw(sandbox, "GET", secret_path("not-a-uuid")), "secret_id",
                            "constraint");
    // Scheduled secrets can still be read.
    const auto scheduled = scw(sandbox, "GET", secret_path(demo.scheduled_secret_id));
    EXPECT_EQ(scheduled.status, 200);
    EXPECT_TRUE(scheduled.object().at("deletion_requested_at").is_string());
}

TEST_F(SecretManager, PatchUpdatesMetadata) {
    const auto before = scw(sandbox, "GET", secret_path(demo.secret_id)).object();
    const auto answer =
        scw(sandbox, "PATCH", secret_path(demo.secret_id),
            R"({"name":"db-password","tags":["rotated"],"description":"new","path":"/db",)"
            R"("ephemeral_policy":{"time_to_live":"86400s","action":"delete"}})");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto secret = answer.object();
    expect_secret_shape(secret);
    EXPECT_EQ(str(secret.at("name")), "db-password");
    EXPECT_EQ(secret.at("tags"), boost::json::array({"rotated"}));
    EXPECT_EQ(str(secret.at("description")), "new");
    EXPECT_EQ(str(secret.at("path")), "/db");
    EXPECT_EQ(str(secret.at("ephemeral_policy").at("time_to_live")), "86400s");
    EXPECT_TRUE(secret.at("ephemeral_policy").at("expires_once_accessed").is_null());
    EXPECT_EQ(str(secret.at("ephemeral_policy").at("action")), "delete");
    EXPECT_EQ(secret.at("created_at"), before.at("created_at"));
    EXPECT_GT(str(secret.at("updated_at")), str(before.at("updated_at")));
    EXPECT_EQ(secret.at("type"), before.at("type"));
    EXPECT_EQ(scw(sandbox, "GET", secret_path(demo.secret_id)).object(), secret);

    // Absent and null fields are left alone.
    const auto same = scw(sandbox, "PATCH", secret_path(demo.secret_id), R"({"name":null})");
    EXPECT_EQ(same.object().at("name"), secret.at("name"));
    EXPECT_EQ(scw(sandbox, "PATCH", secret_path(demo.secret_id), "").status, 200);
}

TEST_F(SecretManager, PatchValidates) {
    expect_error(scw(sandbox, "PATCH", secret_path(demo.protected_secret_id),
                     R"({"name":"database-password","path":"/demo"})"),
                 409, "already_exists");
    expect_invalid_argument(scw(sandbox, "PATCH", secret_path(demo.secret_id), R"({"name":""})"),
                            "name", "constraint");
    expect_invalid_argument(
        scw(sandbox, "PATCH", secret_path(demo.secret_id), R"({"path":"no-slash"})"), "path",
        "constraint");
    expect_invalid_argument(scw(sandbox, "PATCH", secret_path(demo.secret_id), R"({"tags":[1]})"),
                            "tags", "format");
    expect_invalid_argument(scw(sandbox, "PATCH", secret_path(demo.secret_id), "{\"name\":"),
                            "body", "format");
    expect_error(scw(sandbox, "PATCH", secret_path(kOtherProject), "{}"), 404, "not_found");
    EXPECT_EQ(scw(sandbox, "GET", secret_path(demo.secret_id)).text("name"), "database-password");
}

TEST_F(SecretManager, DeletingAProtectedSecretIsRefused) {
    const auto answer = scw(sandbox, "DELETE", secret_path(demo.protected_secret_id));
    expect_error(answer, 400, "precondition_failed");
    EXPECT_EQ(answer.text("precondition"), "unknown_precondition");
    EXPECT_NE(answer.text("help_message").find("unprotect"), std::string::npos);
    EXPECT_EQ(names(""), (Names{"database-password", "tls-certificate"}));

    const auto unprotected =
        scw(sandbox, "POST", secret_path(demo.protected_secret_id) + "/unprotect", "{}");
    ASSERT_EQ(unprotected.status, 200);
    expect_secret_shape(unprotected.object());
    EXPECT_FALSE(unprotected.object().at("protected").as_bool());
    EXPECT_EQ(scw(sandbox, "DELETE", secret_path(demo.protected_secret_id)).status, 204);
}

TEST_F(SecretManager, ProtectAndUnprotectSetTheFlag) {
    const auto path = secret_path(demo.secret_id);
    const auto protect = scw(sandbox, "POST", path + "/protect", "{}");
    ASSERT_EQ(protect.status, 200);
    EXPECT_TRUE(protect.object().at("protected").as_bool());
    EXPECT_EQ(scw(sandbox, "POST", path + "/protect", "{}").status, 200);  // idempotent
    expect_error(scw(sandbox, "DELETE", path), 400, "precondition_failed");
    const auto unprotect = scw(sandbox, "POST", path + "/unprotect", "{}");
    EXPECT_FALSE(unprotect.object().at("protected").as_bool());
    EXPECT_FALSE(scw(sandbox, "GET", path).object().at("protected").as_bool());

    expect_invalid_argument(scw(sandbox, "POST", path + "/protect", "{oops"), "body", "format");
    expect_error(scw(sandbox, "POST", secret_path(kOtherProject) + "/protect", "{}"), 404,
                 "not_found");
}

TEST_F(SecretManager, DeleteSchedulesAndRestoreBringsBack) {
    const auto path = secret_path(demo.secret_id);
    const auto deleted = scw(sandbox, "DELETE", path);
    EXPECT_EQ(deleted.status, 204);
    EXPECT_TRUE(deleted.body.empty());

    const auto scheduled = scw(sandbox, "GET", path);
    ASSERT_EQ(scheduled.status, 200);
    EXPECT_TRUE(scheduled.object().at("deletion_requested_at").is_string());
    EXPECT_EQ(names(""), Names{"tls-certificate"});
    EXPECT_EQ(names("scheduled_for_deletion=true"), (Names{"database-password", "legacy-api-key"}));
    // The live version is now scheduled too, so it can be restored on its own.
    expect_error(scw(sandbox, "DELETE", path), 400, "precondition_failed");

    const auto restored = scw(sandbox, "POST", path + "/restore", "{}");
    ASSERT_EQ(restored.status, 200);
    expect_secret_shape(restored.object());
    EXPECT_TRUE(restored.object().at("deletion_requested_at").is_null());
    EXPECT_EQ(names(""), (Names{"database-password", "tls-certificate"}));
    EXPECT_EQ(names("scheduled_for_deletion=true"), Names{"legacy-api-key"});
    // Revision 2 went back to enabled, so it is not restorable any more.
    expect_error(scw(sandbox, "POST", path + "/versions/2/restore", "{}"), 400,
                 "precondition_failed");

    const auto again = scw(sandbox, "POST", path + "/restore", "{}");
    expect_error(again, 400, "precondition_failed");
    EXPECT_FALSE(again.text("help_message").empty());
}

TEST_F(SecretManager, RestoringTheDemoScheduledSecret) {
    const auto path = secret_path(demo.scheduled_secret_id);
    const auto restored = scw(sandbox, "POST", path + "/restore", "{}");
    ASSERT_EQ(restored.status, 200);
    EXPECT_TRUE(restored.object().at("deletion_requested_at").is_null());
    EXPECT_EQ(names("scheduled_for_deletion=true"), Names{});
    EXPECT_EQ(total(""), 3);
    expect_error(scw(sandbox, "POST", path + "/versions/1/restore", "{}"), 400,
                 "precondition_failed");
}

TEST_F(SecretManager, RestoreVersionRevivesAScheduledVersion) {
    const auto path = secret_path(demo.secret_id);
    const auto answer = scw(sandbox, "POST", path + "/versions/1/restore", "{}");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto version = answer.object();
    expect_version_shape(version);
    EXPECT_EQ(num(version.at("revision")), 1);
    EXPECT_EQ(str(version.at("secret_id")), demo.secret_id);
    EXPECT_EQ(str(version.at("status")), "enabled");
    EXPECT_FALSE(version.at("latest").as_bool());
    EXPECT_TRUE(version.at("deletion_requested_at").is_null());
    EXPECT_TRUE(version.at("deleted_at").is_null());
    EXPECT_EQ(str(version.at("region")), "fr-par");

    expect_error(scw(sandbox, "POST", path + "/versions/1/restore", "{}"), 400,
                 "precondition_failed");
    expect_error(scw(sandbox, "POST", path + "/versions/latest/restore", "{}"), 400,
                 "precondition_failed");
    const auto missing = scw(sandbox, "POST", path + "/versions/9/restore", "{}");
    expect_error(missing, 404, "not_found");
    EXPECT_EQ(missing.text("resource"), "secret_version");
    expect_invalid_argument(scw(sandbox, "POST", path + "/versions/abc/restore", "{}"), "revision",
                            "format");
    expect_invalid_argument(scw(sandbox, "POST", path + "/versions/0/restore", "{}"), "revision",
                            "format");
    expect_invalid_argument(scw(sandbox, "POST", path + "/versions/1/restore", "[]"), "body",
                            "format");
}

TEST_F(SecretManager, RestoreVersionAcceptsAliases) {
    const auto path = secret_path(demo.scheduled_secret_id);
    // No version is enabled, so latest_enabled names nothing.
    expect_error(scw(sandbox, "POST", path + "/versions/latest_enabled/restore", "{}"), 404,
                 "not_found");
    const auto answer = scw(sandbox, "POST", path + "/versions/latest/restore", "{}");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(num(answer.object().at("revision")), 1);
    EXPECT_TRUE(answer.object().at("latest").as_bool());
    EXPECT_EQ(str(answer.object().at("status")), "enabled");
    // Restoring a version leaves the secret itself scheduled.
    EXPECT_EQ(names("scheduled_for_deletion=true"), Names{"legacy-api-key"});
}

TEST_F(SecretManager, AddOwnerAllowsAProduct) {
    const auto path = secret_path(demo.secret_id);
    const auto answer = scw(sandbox, "POST", path + "/add-owner", R"({"product":"s2s_vpn"})");
    EXPECT_EQ(answer.status, 204);
    EXPECT_TRUE(answer.body.empty());
    EXPECT_EQ(scw(sandbox, "POST", path + "/add-owner", R"({"product":"s2s_vpn"})").status, 204);
    EXPECT_EQ(scw(sandbox, "POST", path + "/add-owner", R"({"product":"edge_services"})").status,
              204);
    EXPECT_EQ(scw(sandbox, "GET", path).object().at("used_by"),
              boost::json::array({"s2s_vpn", "edge_services"}));

    expect_invalid_argument(scw(sandbox, "POST", path + "/add-owner", "{}"), "product", "required");
    expect_invalid_argument(
        scw(sandbox, "POST", path + "/add-owner", R"({"product":"unknown_product"})"), "product",
        "required");
    expect_invalid_argument(scw(sandbox, "POST", path + "/add-owner", R"({"product":"dns"})"),
                            "product", "constraint");
    expect_invalid_argument(scw(sandbox, "POST", path + "/add-owner", "{"), "body", "format");
    expect_error(
        scw(sandbox, "POST", secret_path(kOtherProject) + "/add-owner", R"({"product":"s2s_vpn"})"),
        404, "not_found");
}

TEST_F(SecretManager, UnknownActionsAre404) {
    const auto path = secret_path(demo.secret_id);
    expect_error(scw(sandbox, "POST", path + "/destroy", "{}"), 404, "not_found");
    expect_error(scw(sandbox, "GET", path + "/protect"), 404, "not_found");
    expect_error(scw(sandbox, "GET", path + "/versions/1/restore"), 404, "not_found");
    expect_error(scw(sandbox, "POST", path + "/versions/1/enable", "{}"), 404, "not_found");
    expect_error(scw(sandbox, "PUT", path, "{}"), 404, "not_found");
}

TEST_F(SecretManager, RequiresTheScalewaySecretKey) {
    const auto answer = send(sandbox, "DELETE", secret_path(demo.secret_id),
                             {{"X-Auth-Token", "11111111-2222-4333-8444-555555555555"}});
    expect_error(answer, 401, "denied_authentication");
    EXPECT_EQ(answer.text("reason"), "not_found");
    EXPECT_EQ(answer.text("method"), "api_key");
    EXPECT_TRUE(scw(sandbox, "GET", secret_path(demo.secret_id))
                    .object()
                    .at("deletion_requested_at")
                    .is_null());
}

}  // namespace
}  // namespace cmcp::sandbox::test
