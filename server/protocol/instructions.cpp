#include "protocol/instructions.hpp"

namespace cmcp::protocol {

namespace {

std::string configured(const std::map<std::string, std::string>& defaults, const std::string& key,
                       std::string_view variable) {
    const auto found = defaults.find(key);
    if (found == defaults.end()) {
        return " No default is configured (the operator can set " + std::string(variable) + ").";
    }
    return " When omitted, " + found->second + " is used (" + std::string(variable) + ").";
}

}  // namespace

std::string build_instructions(const catalog::Catalog& catalog,
                               const std::map<std::string, std::string>& defaults,
                               std::string_view sandbox_note) {
    std::string text =
        "credentials-mcp audits, creates, protects, rotates and revokes cloud credentials.";
    if (!sandbox_note.empty()) {
        text +=
            " SANDBOX MODE: every call goes to an embedded simulator with demo data; nothing "
            "touches a real account. " +
            std::string(sandbox_note);
    }
    text += "\n\nTools offered, by toolset:";
    bool scaleway = false;
    bool planetscale = false;
    for (const auto& toolset : catalog.toolsets()) {
        std::string names;
        for (const auto& tool : catalog.tools()) {
            if (tool.definition.toolset == toolset.name) {
                names += (names.empty() ? "" : ", ") + tool.definition.name;
            }
        }
        if (names.empty()) {
            continue;
        }
        (toolset.provider == upstream::Provider::scaleway ? scaleway : planetscale) = true;
        text += "\n- " + toolset.title + " (" + toolset.name + "): " + names + ".";
    }
    text += "\n\nScoping:";
    if (scaleway) {
        text +=
            "\n- Scaleway Functions tokens and Secret Manager secrets are regional: pass "
            "region (fr-par, nl-ams or pl-waw); an ID only resolves in its own region." +
            configured(defaults, "scaleway.region", "SCW_DEFAULT_REGION") +
            " IAM JWTs are global and take no region.";
        text +=
            "\n- Scaleway resources belong to a Project inside an Organization. list-secrets "
            "needs organization_id or project_id when the API key spans projects." +
            configured(defaults, "scaleway.organization_id", "SCW_DEFAULT_ORGANIZATION_ID") +
            " create-secret needs project_id." +
            configured(defaults, "scaleway.project_id", "SCW_DEFAULT_PROJECT_ID") +
            " list-jwts needs the user's ID (audience_id).";
    }
    if (planetscale) {
        text += "\n- PlanetScale tools take organization (the organization's name, not an ID)." +
                configured(defaults, "planetscale.organization", "PLANETSCALE_ORG") +
                " Service tokens are identified by their short id (e.g. txhc257pxjuc).";
    }
    text +=
        "\n\nSafety: tools are annotated read-only, idempotent or destructive. Confirm with the "
        "user before any delete: deleting tokens and JWTs is immediate and irreversible, while "
        "delete-secret only schedules deletion (restore-secret undoes it) and is refused for "
        "protected secrets. Newly created token values are returned once; tell the user to store "
        "them in a secret store and do not repeat them. These tools never read secret values. "
        "Failures come back as results with isError set, naming the upstream status and what to "
        "change; invalid arguments are rejected before anything is sent.";
    return text;
}

}  // namespace cmcp::protocol
