using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Remediator.Core.Repair;

namespace Remediator.Infra;

/// <summary>
/// Exactly the IAM actions repair needs in each mode (README, Repair): none when off; apigateway:GET on the APIs in
/// scope plus lambda:GetPolicy and lambda:ListTags on the allowed functions in dry-run; lambda:AddPermission on the
/// allowed functions too in auto, only for principal apigateway.amazonaws.com. Never a Lambda action on "*". The
/// API Gateway paths are exactly those the function reads (ApiGatewayClient): the Lambda authorizers among them
/// (<c>/restapis/{id}/authorizers</c>, <c>/apis/{id}/authorizers</c>), since deployed, the log does not say which
/// function failed, and an authorizer may be the one API Gateway may not invoke. With any API in scope
/// (<see cref="StackConfig.RepairAnyApiInScope"/>) the same path shapes carry <c>*</c> for the id, never
/// <c>/restapis/*</c>.
/// </summary>
public static class RepairPolicy
{
    /// <summary>The paths the function reads for one API id (or <c>*</c>).</summary>
    public static IEnumerable<string> ApiPaths(string api) =>
    [
        $"/restapis/{api}/resources", $"/restapis/{api}/authorizers", $"/restapis/{api}/stages/*",
        $"/apis/{api}/integrations", $"/apis/{api}/routes", $"/apis/{api}/authorizers", $"/apis/{api}/stages/*",
    ];

    /// <param name="writes">Whether this role adds the statement: the function in auto mode, the approval page's function
    /// in approve mode; never the function that reads the logs in approve mode.</param>
    public static IEnumerable<PolicyStatement> Statements(StackConfig config, Stack stack, bool writes)
    {
        if (config.RepairMode == RepairMode.Off)
        {
            yield break;
        }
        var ids = config.RepairAnyApiInScope ? ["*"] : config.RepairApiIds;
        var apis = ids.SelectMany(ApiPaths).Select(r => $"arn:{stack.Partition}:apigateway:{stack.Region}::{r}").ToArray();
        if (apis.Length > 0)
        {
            yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadApiIntegrations", Actions = ["apigateway:GET"], Resources = apis });
        }
        var functions = FunctionResources(config.RepairAllowedFunctions);
        if (functions.Length == 0)
        {
            yield break; // nothing allowed: every repair is refused before any Lambda call (not_allow_listed)
        }
        yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadFunctionPolicies", Actions = ["lambda:GetPolicy", "lambda:ListTags"], Resources = functions });
        if (writes && config.RepairMode is RepairMode.Auto or RepairMode.Approve)
        {
            // lambda:Principal: the role can grant invoke rights to API Gateway only, whatever a bug or a forged line
            // asks for (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
            yield return new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AddInvokePermission",
                Actions = ["lambda:AddPermission"],
                Resources = functions,
                Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["lambda:Principal"] = "apigateway.amazonaws.com" } },
            });
        }
    }

    /// <summary>Each pattern, and for an unqualified one its aliases and versions too (policies are per qualifier).</summary>
    public static string[] FunctionResources(IEnumerable<string> patterns) =>
        patterns.SelectMany(p => p.Split(':').Length == 8 ? new[] { p } : [p, p + ":*"]).Distinct().ToArray();
}
