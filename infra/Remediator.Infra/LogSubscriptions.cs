using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Remediator.Core.Diagnosis;

namespace Remediator.Infra;

/// <summary>
/// What feeds the function: a subscription filter per configured log group, or an account-level subscription filter
/// policy for every log group (allApis). Execution-log groups and the account policy use the pattern built from the
/// classifier's own phrase table, so that only decisive lines are delivered; access-log groups use a pattern that
/// passes every 5xx entry (AccessLogFilterPatterns), since a 5xx entry without a phrase is still a finding. One invoke permission for
/// logs.amazonaws.com, scoped to this account's log groups by an ARN pattern, instead of one statement per group
/// (a function policy has a 20 KB limit).
/// </summary>
public sealed class LogSubscriptions : Construct
{
    public const string FilterName = "remediator";

    public LogSubscriptions(Construct scope, string id, StackConfig config, IFunction function, ILogGroup ownLogGroup) : base(scope, id)
    {
        var stack = Stack.Of(this);
        var permission = new CfnPermission(this, "LogsInvoke", new CfnPermissionProps
        {
            Action = "lambda:InvokeFunction",
            FunctionName = function.FunctionArn,
            Principal = "logs.amazonaws.com",
            SourceArn = $"arn:{stack.Partition}:logs:{stack.Region}:{stack.Account}:log-group:*",
            SourceAccount = stack.Account,
        });
        var pattern = SubscriptionFilterTerms.Pattern;
        var index = 0;
        foreach (var (apiId, stage) in config.RestApis)
        {
            Filter($"Rest{index++}", $"API-Gateway-Execution-Logs_{apiId}/{stage}", pattern);
        }
        index = 0;
        foreach (var group in config.AccessLogGroups)
        {
            Filter($"Access{index++}", group.Name, group.Pattern); // every 5xx entry: AccessLogFilterPatterns
        }
        if (config.AllApis)
        {
            // Every log group of the account and region, present and future, without a redeploy. Our own log group is
            // excluded so the function can never feed itself; other groups' lines reach us only when they contain a
            // decisive phrase, and the function drops those that are not API Gateway's.
            var policy = new CfnAccountPolicy(this, "AllLogGroups", new CfnAccountPolicyProps
            {
                PolicyName = FilterName, // the name the delivery metrics carry (Alarms)
                PolicyType = "SUBSCRIPTION_FILTER_POLICY",
                Scope = "ALL",
                PolicyDocument = stack.ToJsonString(new Dictionary<string, object>
                {
                    ["DestinationArn"] = function.FunctionArn,
                    ["FilterPattern"] = pattern,
                }),
                SelectionCriteria = $"LogGroupName NOT IN [\"{ownLogGroup.LogGroupName}\"]",
            });
            policy.AddDependency(permission);
        }

        void Filter(string id, string logGroupName, string filterPattern)
        {
            var filter = new CfnSubscriptionFilter(this, id, new CfnSubscriptionFilterProps
            {
                LogGroupName = logGroupName,
                DestinationArn = function.FunctionArn,
                FilterPattern = filterPattern,
                FilterName = FilterName,
            });
            filter.AddDependency(permission); // CloudWatch Logs checks the permission when the filter is created
        }
    }
}
