using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>
/// One function API Gateway invokes for an API, as its own configuration shows: an integration (with the routes it
/// serves) or a Lambda authorizer. The SourceArns are those of the requests API Gateway sends it, so that a policy
/// can be checked for exactly them.
/// </summary>
/// <param name="Routes">REST <c>GET /books/{id}</c>, HTTP API route keys; empty for an authorizer.</param>
/// <param name="Authorizer">Set when the function is invoked as this authorizer.</param>
/// <param name="Credentials">The role API Gateway invokes through, when the integration or authorizer has one.</param>
public sealed record InvokeTarget(FunctionRef Function, IReadOnlyList<string> Routes, LambdaAuthorizer? Authorizer, string? Credentials)
{
    /// <summary>What the target is to a person: its routes, or <c>authorizer name (id)</c>.</summary>
    public string Label => Authorizer is { } a ? $"authorizer {a.Name} ({a.Id})" : Routes.Count == 0 ? "no route" : string.Join(", ", Routes);

    public string FunctionLabel => Function.Qualifier is null ? Function.Arn : $"{Function.Arn}:{Function.Qualifier}";

    /// <summary>
    /// The SourceArns API Gateway invokes this function with (aws-wire-facts §3.1): <c>api/stage/METHOD/path</c> per
    /// route, HTTP APIs' <c>$default</c> route as <c>api/stage/$default</c>, authorizers <c>api/authorizers/id</c>.
    /// Parts that the configuration leaves open (ANY, an unknown stage) are stand-ins that only a wildcard matches,
    /// so "allowed" means allowed for every request the target serves.
    /// </summary>
    public IReadOnlyList<string> SourceArns(string partition, string region, string account, string apiId, string? stage)
    {
        const string Any = "\u0001";
        var prefix = $"arn:{partition}:execute-api:{region}:{account}:{apiId}/";
        if (Authorizer is { } a)
        {
            return [$"{prefix}authorizers/{a.Id}"];
        }
        var s = stage ?? Any;
        return Routes.Count == 0 ? [$"{prefix}{s}/{Any}/{Any}"] : Routes.Select(route =>
        {
            var space = route.IndexOf(' ');
            if (space < 0)
            {
                return $"{prefix}{s}/{route}"; // $default
            }
            var method = route[..space] is "ANY" or "*" ? Any : route[..space];
            return $"{prefix}{s}/{method}{route[(space + 1)..]}";
        }).ToList();
    }
}

/// <summary>Finds the functions API Gateway invokes for an API, or for one of its routes.</summary>
public static class InvokeTargets
{
    /// <summary>
    /// Every function that serves <paramref name="route"/> (its integrations and the authorizers of its methods or
    /// routes), or every function of the API when the route is not known or matches nothing in the configuration.
    /// Integrations are grouped by function, authorizers kept one by one (each has its own SourceArn).
    /// </summary>
    public static (List<InvokeTarget> Targets, bool WholeApi) For(ApiIntegrations api, string? httpMethod, string? resourcePath, string? routeKey)
    {
        var forRoute = LambdaIntegrations.ForRequest(api, httpMethod, resourcePath, routeKey);
        var routeKnown = (routeKey ?? resourcePath) is not null;
        var wholeApi = !routeKnown || forRoute.Count == 0;
        var integrations = wholeApi ? api.Integrations : forRoute;
        var targets = new List<InvokeTarget>();
        foreach (var group in integrations
                     .Select(i => (Integration: i, Function: LambdaIntegrations.Resolve(i.Uri, api.StageVariables)))
                     .Where(x => x.Function is not null)
                     .GroupBy(x => (x.Function!, x.Integration.Credentials)))
        {
            var routes = group.Select(x => RouteOf(x.Integration)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            targets.Add(new InvokeTarget(group.Key.Item1, routes, null, group.Key.Credentials));
        }
        var authorizerIds = integrations.Select(i => i.AuthorizerId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var authorizer in api.LambdaAuthorizers.Where(a => wholeApi || authorizerIds.Contains(a.Id)))
        {
            if (LambdaIntegrations.Resolve(authorizer.Uri, api.StageVariables) is { } function)
            {
                targets.Add(new InvokeTarget(function, [], authorizer, authorizer.Credentials));
            }
        }
        return (targets, wholeApi);
    }

    private static string? RouteOf(LambdaIntegration i) =>
        i.RouteKey ?? (i.ResourcePath is null ? null : $"{i.HttpMethod ?? "ANY"} {i.ResourcePath}");
}
