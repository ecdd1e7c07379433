using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// A local API Gateway control plane: REST APIs (<c>GET /restapis/{id}/resources</c> with <c>embed=methods</c> and
/// <c>position</c> paging; <c>GET /restapis/{id}/stages/{stage}</c>) and HTTP APIs (<c>GET /v2/apis/{id}/integrations</c>,
/// <c>/routes</c> with <c>nextToken</c> paging, <c>/stages/{stage}</c>), their Lambda authorizers (REST
/// <c>GET /restapis/{id}/authorizers</c>, HTTP <c>GET /v2/apis/{id}/authorizers</c>) and integration credentials roles,
/// answering in the wire names of aws-wire-facts §3 (<c>item</c> for REST, <c>items</c> for v2). Read-only, as
/// Remediator only reads it; a test re-points an integration with <see cref="Repoint"/>, as an owner's deploy would.
/// </summary>
public sealed class FakeApiGateway : RestJsonEndpoint
{
    private readonly Dictionary<string, List<(string Path, string Method, string Type, string Uri, string? Credentials, string? AuthorizerId)>> _rest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (List<(string Id, string Uri, string? Credentials)> Integrations, List<(string RouteKey, string IntegrationId, string? AuthorizerId)> Routes)> _http = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Id, string Name, string Type, string Uri, string? Credentials)>> _authorizers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), Dictionary<string, string>> _stages = [];
    private readonly Dictionary<(string, string), (string Arn, string Format)> _accessLogs = [];

    /// <summary>Page size when the client does not ask for one (REST default 25, as AWS).</summary>
    public int DefaultPageSize { get; set; } = 25;

    /// <summary><c>timeoutInMillis</c> of every REST integration (AWS's default 29000).</summary>
    public int RestTimeoutMs { get; set; } = 29000;

    /// <summary><c>timeoutInMillis</c> of every HTTP API integration (AWS's default 30000).</summary>
    public int HttpTimeoutMs { get; set; } = 30000;

    /// <summary>Largest page whatever the client asks (to make clients page).</summary>
    public int MaxPageSize { get; set; } = 500;

    public FakeApiGateway RestIntegration(string apiId, string method, string path, string functionArnOrUri, string type = "AWS_PROXY",
        string? credentials = null, string? authorizerId = null)
    {
        lock (this)
        {
            if (!_rest.TryGetValue(apiId, out var list))
            {
                _rest[apiId] = list = [];
            }
            list.Add((path, method, type, InvokeUri(functionArnOrUri), credentials, authorizerId));
        }
        return this;
    }

    public FakeApiGateway HttpIntegration(string apiId, string routeKey, string integrationUri, string? credentials = null, string? authorizerId = null)
    {
        lock (this)
        {
            if (!_http.TryGetValue(apiId, out var api))
            {
                _http[apiId] = api = ([], []);
            }
            var id = $"int{api.Integrations.Count + 1:D3}";
            api.Integrations.Add((id, integrationUri, credentials));
            api.Routes.Add((routeKey, id, authorizerId));
        }
        return this;
    }

    /// <summary>A Lambda authorizer (REST TOKEN by default; HTTP APIs REQUEST) whose function is <paramref name="functionArn"/>.</summary>
    public FakeApiGateway Authorizer(string apiId, string id, string name, string functionArn, string type = "TOKEN", string? credentials = null)
    {
        lock (this)
        {
            if (!_authorizers.TryGetValue(apiId, out var list))
            {
                _authorizers[apiId] = list = [];
            }
            list.Add((id, name, type, InvokeUri(functionArn), credentials));
        }
        return this;
    }

    /// <summary>Points every integration of <paramref name="apiId"/> that invokes <paramref name="from"/> at <paramref name="to"/> (an owner's redeploy).</summary>
    public FakeApiGateway Repoint(string apiId, string from, string to)
    {
        lock (this)
        {
            if (_rest.TryGetValue(apiId, out var list))
            {
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i].Uri.Contains($"/functions/{from}/", StringComparison.Ordinal))
                    {
                        list[i] = list[i] with { Uri = InvokeUri(to) };
                    }
                }
            }
            if (_http.TryGetValue(apiId, out var api))
            {
                for (var i = 0; i < api.Integrations.Count; i++)
                {
                    if (api.Integrations[i].Uri == from)
                    {
                        api.Integrations[i] = api.Integrations[i] with { Uri = to };
                    }
                }
            }
        }
        return this;
    }

    private static string InvokeUri(string functionArnOrUri) => functionArnOrUri.StartsWith("arn:aws:lambda:", StringComparison.Ordinal)
        ? $"arn:aws:apigateway:{functionArnOrUri.Split(':')[3]}:lambda:path/2015-03-31/functions/{functionArnOrUri}/invocations"
        : functionArnOrUri;

    public FakeApiGateway Stage(string apiId, string stage, Dictionary<string, string>? variables = null)
    {
        lock (this)
        {
            _stages[(apiId, stage)] = variables ?? [];
        }
        return this;
    }

    /// <summary>Access logging of a stage: its <c>accessLogSettings</c> (destination ARN and format), as GetStage shows them.</summary>
    public FakeApiGateway AccessLogs(string apiId, string stage, string destinationArn, string format)
    {
        lock (this)
        {
            _stages.TryAdd((apiId, stage), []);
            _accessLogs[(apiId, stage)] = (destinationArn, format);
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
            ["restapis", var id, "stages"] => Fault("GetStages") ?? Stages(id, "item", "variables", _rest.ContainsKey(id)),
            ["v2", "apis", var id, "stages"] => Fault("GetStages") ?? Stages(id, "items", "stageVariables", _http.ContainsKey(id)),
            ["restapis", var id, "authorizers"] => Fault("GetAuthorizers") ?? RestAuthorizers(id, query),
            ["v2", "apis", var id, "integrations"] => Fault("GetIntegrations") ?? Page(id, query, api => api.Integrations.Select(i =>
            {
                var o = new JsonObject { ["integrationId"] = i.Id, ["integrationType"] = "AWS_PROXY", ["integrationUri"] = i.Uri, ["payloadFormatVersion"] = "2.0", ["timeoutInMillis"] = HttpTimeoutMs };
                if (i.Credentials is not null) o["credentialsArn"] = i.Credentials;
                return (JsonNode)o;
            })),
            ["v2", "apis", var id, "routes"] => Fault("GetRoutes") ?? Page(id, query, api => api.Routes.Select((r, n) =>
            {
                var o = new JsonObject { ["routeId"] = $"r{n}", ["routeKey"] = r.RouteKey, ["target"] = $"integrations/{r.IntegrationId}", ["authorizationType"] = r.AuthorizerId is null ? "NONE" : "CUSTOM" };
                if (r.AuthorizerId is not null) o["authorizerId"] = r.AuthorizerId;
                return (JsonNode)o;
            })),
            ["v2", "apis", var id, "authorizers"] => Fault("GetAuthorizers") ?? Page(id, query, _ => _authorizers.GetValueOrDefault(id, []).Select(a =>
            {
                var o = new JsonObject { ["authorizerId"] = a.Id, ["name"] = a.Name, ["authorizerType"] = a.Type, ["authorizerUri"] = a.Uri, ["authorizerPayloadFormatVersion"] = "2.0" };
                if (a.Credentials is not null) o["authorizerCredentialsArn"] = a.Credentials;
                return (JsonNode)o;
            })),
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
                var integration = new JsonObject { ["type"] = i.Type, ["httpMethod"] = "POST", ["uri"] = i.Uri, ["passthroughBehavior"] = "WHEN_NO_MATCH", ["timeoutInMillis"] = RestTimeoutMs };
                if (i.Credentials is not null) integration["credentials"] = i.Credentials;
                var m = new JsonObject { ["httpMethod"] = i.Method, ["authorizationType"] = i.AuthorizerId is null ? "NONE" : "CUSTOM", ["apiKeyRequired"] = false };
                if (i.AuthorizerId is not null) m["authorizerId"] = i.AuthorizerId;
                m["methodIntegration"] = integration;
                methods[i.Method] = embed ? m : new JsonObject();
            }
            return (JsonNode)new JsonObject { ["id"] = $"res{n:D3}", ["path"] = g.Key, ["pathPart"] = g.Key.Split('/')[^1], ["resourceMethods"] = methods };
        }).ToList();
        return RestPage(resources, query);
    }

    /// <summary>REST paging: <c>item</c>, <c>limit</c> (default 25), the next <c>position</c> while more remain.</summary>
    private Answer RestPage(List<JsonNode> all, IReadOnlyDictionary<string, string> query)
    {
        var size = Math.Min(MaxPageSize, int.TryParse(query.GetValueOrDefault("limit"), out var l) ? l : DefaultPageSize);
        var start = int.TryParse(query.GetValueOrDefault("position"), out var p) ? p : 0;
        var page = new JsonObject { ["item"] = new JsonArray(all.Skip(start).Take(size).Select(r => r.DeepClone()).ToArray()) };
        if (start + size < all.Count)
        {
            page["position"] = (start + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Ok(page.ToJsonString());
    }

    private Answer RestAuthorizers(string apiId, IReadOnlyDictionary<string, string> query)
    {
        if (!_rest.ContainsKey(apiId))
        {
            return Error(404, "NotFoundException", $"Invalid API identifier specified 123456789012:{apiId}");
        }
        var all = _authorizers.GetValueOrDefault(apiId, []).Select(a =>
        {
            var o = new JsonObject { ["id"] = a.Id, ["name"] = a.Name, ["type"] = a.Type, ["authType"] = "custom", ["authorizerUri"] = a.Uri,
                ["identitySource"] = "method.request.header.Authorization", ["authorizerResultTtlInSeconds"] = 300 };
            if (a.Credentials is not null) o["authorizerCredentials"] = a.Credentials;
            return (JsonNode)o;
        }).ToList();
        return RestPage(all, query);
    }

    private Answer Page(string apiId, IReadOnlyDictionary<string, string> query, Func<(List<(string Id, string Uri, string? Credentials)> Integrations, List<(string RouteKey, string IntegrationId, string? AuthorizerId)> Routes), IEnumerable<JsonNode>> items)
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
        if (!_stages.ContainsKey((apiId, stage)))
        {
            return Error(404, "NotFoundException", "Invalid stage identifier specified");
        }
        return Ok(StageJson(apiId, stage, variablesKey).ToJsonString());
    }

    private JsonObject StageJson(string apiId, string stage, string variablesKey)
    {
        var vars = new JsonObject();
        foreach (var (k, v) in _stages[(apiId, stage)])
        {
            vars[k] = v;
        }
        var o = new JsonObject { ["stageName"] = stage, ["deploymentId"] = "dep123", [variablesKey] = vars };
        if (_accessLogs.TryGetValue((apiId, stage), out var access))
        {
            o["accessLogSettings"] = new JsonObject { ["destinationArn"] = access.Arn, ["format"] = access.Format };
        }
        return o;
    }

    private Answer Stages(string apiId, string listKey, string variablesKey, bool apiExists) => !apiExists
        ? Error(404, "NotFoundException", $"Invalid API identifier specified 123456789012:{apiId}")
        : Ok(new JsonObject { [listKey] = new JsonArray(_stages.Keys.Where(k => k.Item1 == apiId).Select(k => (JsonNode)StageJson(apiId, k.Item2, variablesKey)).ToArray()) }.ToJsonString());
}
