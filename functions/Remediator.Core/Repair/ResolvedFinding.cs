using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>
/// A finding completed from API Gateway's configuration. Deployed, the function sees only the lines its filter
/// passes ("Invalid permissions on Lambda function", "Method completed with status: 500"), which name neither the
/// route nor the function; once the repairer has read the API, the message can name both.
/// </summary>
public static class ResolvedFinding
{
    /// <summary>
    /// The finding with <paramref name="target"/>'s function, and its route when the log did not show one: the
    /// single route it serves (REST method and path, or HTTP route key), its routes joined, or the authorizer. The
    /// id is that of the fuller key, so each function repaired gets its own stable id, the same an unfiltered log of
    /// the same failure gives when it names one route.
    /// </summary>
    public static Finding With(Finding finding, InvokeTarget target)
    {
        var key = finding.Key with { FunctionArn = target.Function.Arn, Qualifier = target.Function.Qualifier };
        var routeKnown = finding.Key.RouteKey is not null || finding.Key.ResourcePath is not null;
        if (!routeKnown)
        {
            if (target.Authorizer is null && target.Routes.Count == 1 && finding.ApiType != ApiType.Http && target.Routes[0].IndexOf(' ') is > 0 and var space)
            {
                key = key with { HttpMethod = target.Routes[0][..space], ResourcePath = target.Routes[0][(space + 1)..] };
            }
            else
            {
                key = key with { RouteKey = target.Label };
            }
        }
        return key == finding.Key ? finding : finding with { Key = key, Id = key.Id };
    }

    /// <summary>The finding with the region and account the function knows (its environment, the delivery's owner)
    /// where the log lines did not show them, so that no advice prints a placeholder for them.</summary>
    public static Finding InContext(Finding finding, string? region, string? accountId) =>
        (finding.Region is null && region is not null) || (finding.AccountId is null && accountId is not null)
            ? finding with { Region = finding.Region ?? region, AccountId = finding.AccountId ?? accountId }
            : finding;
}
