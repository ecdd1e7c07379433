using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Infra;

/// <summary>
/// What a member account needs (<c>-c stack=member</c>): subscription filters that send its API logs to the central
/// destination, with the very patterns the central stack deploys on its own groups, and the repair role the
/// central function assumes, holding exactly the IAM of the repair mode. No asset, lookup or account-specific
/// value: the same template deploys to every account of a StackSet (ARNs are built from AWS::AccountId and
/// AWS::Region at deploy time).
/// </summary>
public sealed class MemberStack : Stack
{
    public MemberStack(Construct scope, string id, MemberConfig config, IStackProps? props = null) : base(scope, id, props)
    {
        var watch = config.Watch;
        // The destination lives in the same region as the log groups (CloudWatch Logs requires it), in the central account.
        var destination = config.DestinationArn ?? $"arn:{Partition}:logs:{Region}:{config.CentralAccount}:destination:{OrganizationConfig.DestinationName}";
        var index = 0;
        foreach (var (apiId, stage) in watch.RestApis)
        {
            Filter($"Rest{index++}", $"API-Gateway-Execution-Logs_{apiId}/{stage}", SubscriptionFilterTerms.Pattern);
        }
        index = 0;
        foreach (var group in watch.AccessLogGroups)
        {
            Filter($"Access{index++}", group.Name, group.Pattern);
        }
        if (watch.AllApis)
        {
            // Every log group of the member account and region, present and future: the same account policy as the
            // central stack's allApis, pointed at the destination (a cross-account destination needs no role).
            new CfnAccountPolicy(this, "AllLogGroups", new CfnAccountPolicyProps
            {
                PolicyName = LogSubscriptions.FilterName,
                PolicyType = "SUBSCRIPTION_FILTER_POLICY",
                Scope = "ALL",
                PolicyDocument = ToJsonString(new Dictionary<string, object> { ["DestinationArn"] = destination, ["FilterPattern"] = SubscriptionFilterTerms.Pattern }),
            });
        }

        if (config.RepairMode != RepairMode.Off)
        {
            RepairRole = new Role(this, "RepairRole", new RoleProps
            {
                RoleName = config.MemberRoleName, // fixed: the central function builds the ARN from the owner account
                Description = "Remediator: the central function checks (and in auto mode repairs) API Gateway's invoke permissions here",
                MaxSessionDuration = Duration.Hours(1),
                AssumedBy = new ArnPrincipal(config.CentralRoleArn).WithConditions(TrustConditions(config)),
            });
            var policy = new Policy(this, "RepairPolicy", new PolicyProps { Roles = [RepairRole], Statements = RepairStatements(config, this).ToArray() });
            new CfnOutput(this, "RepairRoleArn", new CfnOutputProps { Value = RepairRole.RoleArn });
            _ = policy;
        }

        void Filter(string filterId, string logGroupName, string pattern) =>
            new CfnSubscriptionFilter(this, filterId, new CfnSubscriptionFilterProps
            {
                LogGroupName = logGroupName,
                DestinationArn = destination,
                FilterPattern = pattern,
                FilterName = LogSubscriptions.FilterName,
            });
    }

    public Role? RepairRole { get; }

    /// <summary>No bootstrap-version rule: a StackSet's target accounts need not be CDK-bootstrapped.</summary>
    public static IStackSynthesizer StackSetSynthesizer() => new DefaultStackSynthesizer(new DefaultStackSynthesizerProps { GenerateBootstrapVersionRule = false });

    /// <summary>
    /// Only the central function's role, and only from the organization or with the external id, and only from the
    /// central account. aws:PrincipalAccount rather than aws:SourceAccount: the function calls STS with its own
    /// credentials, and aws:SourceAccount is set only when a service calls on a resource's behalf, so a condition
    /// on it would deny every AssumeRole.
    /// </summary>
    public static Dictionary<string, object> TrustConditions(MemberConfig config)
    {
        var equals = new Dictionary<string, object> { ["aws:PrincipalAccount"] = config.CentralAccount };
        if (config.OrganizationId is { } org)
        {
            equals["aws:PrincipalOrgID"] = org;
        }
        if (config.ExternalId is { } external)
        {
            equals["sts:ExternalId"] = external;
        }
        return new Dictionary<string, object> { ["StringEquals"] = equals };
    }

    /// <summary>The central stack's repair IAM (<see cref="RepairPolicy"/>), on this account's APIs and allow-listed functions.</summary>
    public static IEnumerable<PolicyStatement> RepairStatements(MemberConfig config, Stack stack)
    {
        var ids = config.Watch.RepairAnyApiInScope ? ["*"] : config.Watch.RepairApiIds;
        var apis = ids.SelectMany(RepairPolicy.ApiPaths).Select(r => $"arn:{stack.Partition}:apigateway:{stack.Region}::{r}").ToArray();
        if (apis.Length > 0)
        {
            yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadApiIntegrations", Actions = ["apigateway:GET"], Resources = apis });
        }
        var functions = RepairPolicy.FunctionResources(config.RepairFunctionNames.Select(n => $"arn:{stack.Partition}:lambda:{stack.Region}:{stack.Account}:function:{n}"));
        if (functions.Length == 0)
        {
            yield break;
        }
        yield return new PolicyStatement(new PolicyStatementProps { Sid = "ReadFunctionPolicies", Actions = ["lambda:GetPolicy", "lambda:ListTags"], Resources = functions });
        if (config.RepairMode == RepairMode.Auto)
        {
            yield return new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AddInvokePermission",
                Actions = ["lambda:AddPermission"],
                Resources = functions,
                Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["lambda:Principal"] = "apigateway.amazonaws.com" } },
            });
        }
    }
}
