using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Remediator.Core.Repair;

namespace Remediator.Infra;

/// <summary>
/// Exactly the IAM actions repair needs in each mode (README, Repair): none when off; apigateway:GET on the APIs in
/// scope plus lambda:GetPolicy and lambda:ListTags on the allowed functions in dry-run; lambda:AddPermission on the
/// allowed functions too in auto. Never lambda:AddPermission on "*". The Lambda authorizers are read too
/// (<c>/restapis/{id}/authorizers</c>, <c>/apis/{id}/authorizers</c>): deployed, the log does not say which function
/// failed, and an authorizer may be the one API Gateway may not invoke.
/// </summary>
public static class RepairPolicy
{
    public static IEnumerable<PolicyStatement> Statements(StackConfig config, Stack stack)
    {
        if (config.RepairMode == RepairMode.Off)
        {
            yield break;
        }
        var apiResources = config.AllApis
            ? new[] { "/restapis/*", "/apis/*" }
            : config.ReadableApis.SelectMany(api => new[]
            {
                $"/restapis/{api}/resources", $"/restapis/{api}/authorizers", $"/restapis/{api}/stages/*",
                $"/apis/{api}/integrations", $"/apis/{api}/routes", $"/apis/{api}/authorizers", $"/apis/{api}/stages/*",
            });
        var apis = apiResources.Select(r => $"arn:{stack.Partition}:apigateway:{stack.Region}::{r}").ToArray();
        if (apis.Length > 0)
        {
            yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadApiIntegrations", Actions = ["apigateway:GET"], Resources = apis });
        }
        // Each pattern also covers the function's aliases and versions (policies are per qualifier).
        var functions = config.RepairAllowedFunctions.SelectMany(p => new[] { p, p + ":*" }).ToArray();
        if (functions.Length == 0)
        {
            yield break; // nothing allowed: every repair is refused before any Lambda call (not_allow_listed)
        }
        yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadFunctionPolicies", Actions = ["lambda:GetPolicy", "lambda:ListTags"], Resources = functions });
        if (config.RepairMode == RepairMode.Auto)
        {
            yield return new PolicyStatement(new PolicyStatementProps { Sid = "AddInvokePermission", Actions = ["lambda:AddPermission"], Resources = functions });
        }
    }
}
