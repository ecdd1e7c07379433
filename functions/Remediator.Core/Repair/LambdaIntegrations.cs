using System.Text.Json;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>One Lambda integration of an API as API Gateway's own configuration shows it.</summary>
/// <param name="HttpMethod">REST: the method (or ANY) of the resource.</param>
/// <param name="ResourcePath">REST: the resource's path template.</param>
/// <param name="RouteKey">HTTP APIs: the route key, when a route targets the integration.</param>
/// <param name="Uri">The integration URI: an invoke URI <c>arn:aws:apigateway:...:lambda:path/2015-03-31/functions/ARN/invocations</c> or (HTTP APIs) the function ARN.</param>
/// <param name="Credentials">The IAM role API Gateway invokes through (REST <c>credentials</c>, HTTP <c>credentialsArn</c>): then the
/// role's trust policy and permissions decide, not the function's resource policy.</param>
/// <param name="AuthorizerId">The authorizer of the method or route, when it has one.</param>
/// <param name="TimeoutMs">The integration's <c>timeoutInMillis</c> when API Gateway returns it (the advice keeps a function's
/// timeout below it); null when absent, and then the API type's default applies.</param>
public sealed record LambdaIntegration(string? HttpMethod, string? ResourcePath, string? RouteKey, string Uri, string? Credentials = null, string? AuthorizerId = null,
    int? TimeoutMs = null);

/// <summary>A Lambda authorizer (REST TOKEN or REQUEST, HTTP API REQUEST): API Gateway invokes it before the integration,
/// with the SourceArn <c>arn:aws:execute-api:region:account:apiId/authorizers/id</c>.</summary>
public sealed record LambdaAuthorizer(string Id, string Name, string Uri, string? Credentials);

/// <summary>What API Gateway says about an API and stage: its Lambda integrations and authorizers, and the stage's variables.</summary>
public sealed record ApiIntegrations(string ApiId, string? Stage, ApiType ApiType, IReadOnlyList<LambdaIntegration> Integrations,
    IReadOnlyDictionary<string, string> StageVariables, IReadOnlyList<LambdaAuthorizer>? Authorizers = null)
{
    public IReadOnlyList<LambdaAuthorizer> LambdaAuthorizers => Authorizers ?? [];
}

/// <summary>Parses API Gateway's answers (wire names, aws-wire-facts §3) and finds which function an API really invokes.</summary>
public static class LambdaIntegrations
{
    /// <summary>REST <c>GET /restapis/{id}/resources?embed=methods</c>: the collection key on the wire is <c>item</c>.</summary>
    public static (List<LambdaIntegration> Integrations, string? Position) ParseRestResources(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<LambdaIntegration>();
        if (doc.RootElement.TryGetProperty("item", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var resource in items.EnumerateArray())
            {
                var path = Str(resource, "path");
                if (!resource.TryGetProperty("resourceMethods", out var methods) || methods.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                foreach (var method in methods.EnumerateObject())
                {
                    if (method.Value.TryGetProperty("methodIntegration", out var integration) && IsLambda(Str(integration, "type"), Str(integration, "uri")))
                    {
                        list.Add(new LambdaIntegration(method.Name, path, null, Str(integration, "uri")!, Str(integration, "credentials"), Str(method.Value, "authorizerId"),
                            Int(integration, "timeoutInMillis")));
                    }
                }
            }
        }
        return (list, Str(doc.RootElement, "position"));
    }

    /// <summary>HTTP API <c>GET /v2/apis/{id}/integrations</c>: <c>items</c> of {integrationId, integrationType, integrationUri, credentialsArn}.</summary>
    public static (List<(string Id, string Uri, string? Credentials, int? TimeoutMs)> Integrations, string? NextToken) ParseHttpIntegrations(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<(string, string, string?, int?)>();
        foreach (var i in Items(doc.RootElement, "items"))
        {
            if (Str(i, "integrationId") is { } id && Str(i, "integrationUri") is { } uri && IsLambda(Str(i, "integrationType"), uri))
            {
                list.Add((id, uri, Str(i, "credentialsArn"), Int(i, "timeoutInMillis")));
            }
        }
        return (list, Str(doc.RootElement, "nextToken"));
    }

    /// <summary>HTTP API <c>GET /v2/apis/{id}/routes</c>: route keys, their <c>target</c> <c>integrations/{id}</c> and <c>authorizerId</c>.</summary>
    public static (List<(string RouteKey, string IntegrationId, string? AuthorizerId)> Routes, string? NextToken) ParseHttpRoutes(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<(string, string, string?)>();
        foreach (var r in Items(doc.RootElement, "items"))
        {
            if (Str(r, "routeKey") is { } key && Str(r, "target") is { } target && target.StartsWith("integrations/", StringComparison.Ordinal))
            {
                list.Add((key, target["integrations/".Length..], Str(r, "authorizerId")));
            }
        }
        return (list, Str(doc.RootElement, "nextToken"));
    }

    /// <summary>
    /// The Lambda authorizers of an API: REST <c>GET /restapis/{id}/authorizers</c> (<c>item</c>, paged by <c>position</c>;
    /// <c>id</c>, <c>name</c>, <c>type</c> TOKEN or REQUEST, <c>authorizerUri</c>, <c>authorizerCredentials</c>) and HTTP APIs
    /// <c>GET /v2/apis/{id}/authorizers</c> (<c>items</c>, paged by <c>nextToken</c>; <c>authorizerId</c>, <c>authorizerType</c>
    /// REQUEST, <c>authorizerUri</c>, <c>authorizerCredentialsArn</c>). Cognito and JWT authorizers invoke no function.
    /// </summary>
    public static (List<LambdaAuthorizer> Authorizers, string? Next) ParseAuthorizers(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<LambdaAuthorizer>();
        var rest = doc.RootElement.TryGetProperty("item", out _);
        foreach (var a in Items(doc.RootElement, rest ? "item" : "items"))
        {
            var id = Str(a, rest ? "id" : "authorizerId");
            var type = Str(a, rest ? "type" : "authorizerType");
            var uri = Str(a, "authorizerUri");
            if (id is not null && type is "TOKEN" or "REQUEST" && uri is not null && uri.Contains(":lambda:", StringComparison.Ordinal))
            {
                list.Add(new LambdaAuthorizer(id, Str(a, "name") ?? id, uri, Str(a, rest ? "authorizerCredentials" : "authorizerCredentialsArn")));
            }
        }
        return (list, Str(doc.RootElement, rest ? "position" : "nextToken"));
    }

    private static IEnumerable<JsonElement> Items(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray() : [];

    /// <summary>A stage's variables: REST <c>variables</c>, HTTP APIs <c>stageVariables</c>.</summary>
    public static Dictionary<string, string> ParseStageVariables(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "variables", "stageVariables" })
        {
            if (doc.RootElement.TryGetProperty(name, out var vars) && vars.ValueKind == JsonValueKind.Object)
            {
                foreach (var v in vars.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String))
                {
                    result[v.Name] = v.Value.GetString()!;
                }
            }
        }
        return result;
    }

    /// <summary>The function an integration URI invokes on a stage: <c>${stageVariables.x}</c> resolved, <c>$LATEST</c> read as unqualified.</summary>
    public static FunctionRef? Resolve(string uri, IReadOnlyDictionary<string, string> stageVariables)
    {
        var resolved = uri;
        var guard = 0;
        while (resolved.IndexOf("${stageVariables.", StringComparison.Ordinal) is var at and >= 0 && guard++ < 10)
        {
            var end = resolved.IndexOf('}', at);
            if (end < 0)
            {
                return null;
            }
            var name = resolved[(at + "${stageVariables.".Length)..end];
            if (!stageVariables.TryGetValue(name, out var value))
            {
                return null; // the stage does not define it: API Gateway could not invoke anything either
            }
            resolved = string.Concat(resolved.AsSpan(0, at), value, resolved.AsSpan(end + 1));
        }
        var function = resolved.StartsWith("arn:", StringComparison.Ordinal) && resolved.Contains(":lambda:path/", StringComparison.Ordinal)
            ? FunctionRef.FromInvokeUri(resolved)
            : FunctionRef.TryParse(resolved);
        // "$LATEST" named explicitly is the unqualified function (the log names it either way).
        return function is { Qualifier: "$LATEST" } ? function with { Qualifier = null } : function;
    }

    /// <summary>
    /// The integrations that serve a failing request: REST by method (or ANY) and resource path, HTTP APIs by route
    /// key; all of the API's Lambda integrations when the log does not say which.
    /// </summary>
    public static IReadOnlyList<LambdaIntegration> ForRequest(ApiIntegrations api, string? httpMethod, string? resourcePath, string? routeKey)
    {
        IEnumerable<LambdaIntegration> matching = api.ApiType == ApiType.Http
            ? routeKey is null ? api.Integrations : api.Integrations.Where(i => i.RouteKey == routeKey)
            : resourcePath is null ? api.Integrations
            : api.Integrations.Where(i => i.ResourcePath == resourcePath && (httpMethod is null || i.HttpMethod == httpMethod || i.HttpMethod == "ANY"));
        return matching.ToList();
    }

    private static bool IsLambda(string? type, string? uri) =>
        type is "AWS_PROXY" or "AWS" && uri is not null && (uri.Contains(":lambda:path/", StringComparison.Ordinal) || uri.Contains(":lambda:", StringComparison.Ordinal));

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n > 0 ? n : null;

    /// <summary>
    /// The shortest timeout API Gateway applies to the integrations that may serve a request (the route's when the log
    /// shows it, else every Lambda integration of the API): a function timeout below it is below each of them. Null when
    /// none says; then the API type's default applies.
    /// </summary>
    public static int? IntegrationTimeoutMs(ApiIntegrations api, string? httpMethod, string? resourcePath, string? routeKey) =>
        ForRequest(api, httpMethod, resourcePath, routeKey).Select(i => i.TimeoutMs).Where(t => t is not null).DefaultIfEmpty().Min();

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
