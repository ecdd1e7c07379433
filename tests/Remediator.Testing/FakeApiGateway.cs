using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// A local API Gateway control plane: REST APIs (<c>GET /restapis/{id}/resources</c> with <c>embed=methods</c> and
/// <c>position</c> paging; <c>GET /restapis/{id}/stages/{stage}</c>) and HTTP APIs (<c>GET /v2/apis/{id}/integrations</c>,
/// <c>/routes</c> with <c>nextToken</c> paging, <c>/stages/{stage}</c>), answering in the wire names of
/// aws-wire-facts §3 (<c>item</c> for REST, <c>items</c> for v2). Read-only, as Remediator only reads it.
/// </summary>
public sealed class FakeApiGateway : RestJsonEndpoint
{
    private readonly Dictionary<string, List<(string Path, string Method, string Type, string Uri)>> _rest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<(string Id, string Uri)> Integrations, List<(string RouteKey, string IntegrationId)> Routes)> _http = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), Dictionary<string, string>> _stages = [];

    /// <summary>Page size when the client does not ask for one (REST default 25, as AWS).</summary>
    public int DefaultPageSize { get; set; } = 25;

    /// <summary>Largest page whatever the client asks (to make clients page).</summary>
    public int MaxPageSize { get; set; } = 500;

    public FakeApiGateway RestIntegration(string apiId, string method, string path, string functionArnOrUri, string type = "AWS_PROXY")
    {
        var uri = functionArnOrUri.StartsWith("arn:aws:lambda:", StringComparison.Ordinal)
            ? $"arn:aws:apigateway:{functionArnOrUri.Split(':')[3]}:lambda:path/2015-03-31/functions/{functionArnOrUri}/invocations"
            : functionArnOrUri;
        lock (this)
        {
            if (!_rest.TryGetValue(apiId, out var list))
            {
                _rest[apiId] = list = [];
            }
            list.Add((path, method, type, uri));
        }
        return this;
    }

    public FakeApiGateway HttpIntegration(string apiId, string routeKey, string integrationUri)
    {
        lock (this)
        {
            if (!_http.TryGetValue(apiId, out var api))
            {
                _http[apiId] = api = ([], []);
            }
            var id = $"int{api.Integrations.Count + 1:D3}";
            api.Integrations.Add((id, integrationUri));
            api.Routes.Add((routeKey, id));
        }
        return this;
    }

    public FakeApiGateway Stage(string apiId, string stage, Dictionary<string, string>? variables = null)
    {
        lock (this)
        {
            _stages[(apiId, stage)] = variables ?? [];
        }
        return this;
    }

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        if (method != "GET")
        {
            return Error(405, "BadRequestException", "read-only fake");
        }
        var parts = path.Trim('/').Split('/');
        return parts switch
        {
            ["restapis", var id, "resources"] => Fault("GetResources") ?? Resources(id, query),
            ["restapis", var id, "stages", var stage] => Fault("GetStage") ?? Stage(id, stage, "variables", _rest.ContainsKey(id)),
            ["v2", "apis", var id, "integrations"] => Fault("GetIntegrations") ?? Page(id, query, api => api.Integrations.Select(i =>
                (JsonNode)new JsonObject { ["integrationId"] = i.Id, ["integrationType"] = "AWS_PROXY", ["integrationUri"] = i.Uri, ["payloadFormatVersion"] = "2.0", ["timeoutInMillis"] = 30000 })),
            ["v2", "apis", var id, "routes"] => Fault("GetRoutes") ?? Page(id, query, api => api.Routes.Select((r, n) =>
                (JsonNode)new JsonObject { ["routeId"] = $"r{n}", ["routeKey"] = r.RouteKey, ["target"] = $"integrations/{r.IntegrationId}", ["authorizationType"] = "NONE" })),
            ["v2", "apis", var id, "stages", var stage] => Fault("GetStage") ?? Stage(id, stage, "stageVariables", _http.ContainsKey(id)),
            _ => Error(404, "NotFoundException", $"no operation at {path}"),
        };
    }

    private Answer Resources(string apiId, IReadOnlyDictionary<string, string> query)
    {
        if (!_rest.TryGetValue(apiId, out var list))
        {
            return Error(404, "NotFoundException", $"Invalid API identifier specified 123456789012:{apiId}");
        }
        var embed = query.GetValueOrDefault("embed") == "methods";
        var resources = list.GroupBy(i => i.Path).Select((g, n) =>
        {
            var methods = new JsonObject();
            foreach (var i in g)
            {
                // Without embed=methods the real service lists only the verbs, with empty objects.
                methods[i.Method] = embed
                    ? new JsonObject { ["httpMethod"] = i.Method, ["authorizationType"] = "NONE", ["apiKeyRequired"] = false,
                        ["methodIntegration"] = new JsonObject { ["type"] = i.Type, ["httpMethod"] = "POST", ["uri"] = i.Uri, ["passthroughBehavior"] = "WHEN_NO_MATCH", ["timeoutInMillis"] = 29000 } }
                    : new JsonObject();
            }
            return (JsonNode)new JsonObject { ["id"] = $"res{n:D3}", ["path"] = g.Key, ["pathPart"] = g.Key.Split('/')[^1], ["resourceMethods"] = methods };
        }).ToList();
        var size = Math.Min(MaxPageSize, int.TryParse(query.GetValueOrDefault("limit"), out var l) ? l : DefaultPageSize);
        var start = int.TryParse(query.GetValueOrDefault("position"), out var p) ? p : 0;
        var page = new JsonObject { ["item"] = new JsonArray(resources.Skip(start).Take(size).Select(r => r.DeepClone()).ToArray()) };
        if (start + size < resources.Count)
        {
            page["position"] = (start + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Ok(page.ToJsonString());
    }

    private Answer Page(string apiId, IReadOnlyDictionary<string, string> query, Func<(List<(string Id, string Uri)> Integrations, List<(string RouteKey, string IntegrationId)> Routes), IEnumerable<JsonNode>> items)
    {
        if (!_http.TryGetValue(apiId, out var api))
        {
            return Error(404, "NotFoundException", $"Invalid API identifier specified {apiId}");
        }
        var all = items(api).ToList();
        var size = Math.Min(MaxPageSize, int.TryParse(query.GetValueOrDefault("maxResults"), out var m) ? m : DefaultPageSize);
        var start = int.TryParse(query.GetValueOrDefault("nextToken"), out var p) ? p : 0;
        var page = new JsonObject { ["items"] = new JsonArray(all.Skip(start).Take(size).ToArray()) };
        if (start + size < all.Count)
        {
            page["nextToken"] = (start + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Ok(page.ToJsonString());
    }

    private Answer Stage(string apiId, string stage, string variablesKey, bool apiExists)
    {
        if (!apiExists)
        {
            return Error(404, "NotFoundException", $"Invalid API identifier specified 123456789012:{apiId}");
        }
        if (!_stages.TryGetValue((apiId, stage), out var variables))
        {
            return Error(404, "NotFoundException", "Invalid stage identifier specified");
        }
        var vars = new JsonObject();
        foreach (var (k, v) in variables)
        {
            vars[k] = v;
        }
        return Ok(new JsonObject { ["stageName"] = stage, ["deploymentId"] = "dep123", [variablesKey] = vars }.ToJsonString());
    }
}
