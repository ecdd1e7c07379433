using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Repair;

namespace Remediator.Function.Aws;

/// <summary>
/// API Gateway's configuration of an API (aws-wire-facts §3): REST <c>GET /restapis/{id}/resources?embed=methods</c>
/// (paginated by <c>position</c>, <c>Accept: application/json</c> or the answer is HAL) and the stage's variables;
/// HTTP APIs <c>GET /v2/apis/{id}/integrations</c> and <c>/routes</c> (paginated by <c>nextToken</c>) and the stage.
/// Lambda authorizers: REST <c>GET /restapis/{id}/authorizers</c>, HTTP APIs <c>GET /v2/apis/{id}/authorizers</c>.
/// Nothing is cached here: an API's owner may re-point a stage at any time, and a repair must act on what API Gateway
/// says now (the repairer keeps an answer for one invocation only, see <see cref="Repair.RepairSession"/>).
/// </summary>
public sealed class ApiGatewayClient(AwsHttp http, string region, Uri restEndpoint, Uri httpEndpoint) : IApiGatewayConfig
{
    private static readonly Dictionary<string, string> Json = new() { ["Accept"] = "application/json" };
    public async Task<ApiIntegrations> GetAsync(string apiId, string? stage, ApiType? apiType, DateTimeOffset deadline, CancellationToken ct)
    {
        if (apiType == ApiType.Http)
        {
            return await HttpApi(apiId, stage, deadline, ct).ConfigureAwait(false);
        }
        try
        {
            return await RestApi(apiId, stage, deadline, ct).ConfigureAwait(false);
        }
        catch (AwsCallException e) when (apiType is null && e.Status == 404)
        {
            return await HttpApi(apiId, stage, deadline, ct).ConfigureAwait(false); // not a REST API: an HTTP API then
        }
    }

    private async Task<ApiIntegrations> RestApi(string apiId, string? stage, DateTimeOffset deadline, CancellationToken ct)
    {
        // REST pages by "position" with "limit" (at most 500); HTTP APIs by "nextToken" with "maxResults".
        var api = new Dictionary<string, string> { ["restapi_id"] = apiId };
        var integrations = new List<LambdaIntegration>();
        await Pages(restEndpoint, "/restapis/{restapi_id}/resources", api, new() { ["embed"] = "methods", ["limit"] = "500" }, "position",
            "API Gateway GetResources", deadline, ct, text =>
            {
                var (items, next) = LambdaIntegrations.ParseRestResources(text);
                integrations.AddRange(items);
                return next;
            }).ConfigureAwait(false);
        var authorizers = new List<LambdaAuthorizer>();
        await Pages(restEndpoint, "/restapis/{restapi_id}/authorizers", api, new() { ["limit"] = "500" }, "position",
            "API Gateway GetAuthorizers", deadline, ct, Authorizers(authorizers)).ConfigureAwait(false);
        var variables = stage is null ? new Dictionary<string, string>() : LambdaIntegrations.ParseStageVariables(
            (await Get(restEndpoint, "/restapis/{restapi_id}/stages/{stage_name}", new() { ["restapi_id"] = apiId, ["stage_name"] = stage }, null,
                "API Gateway GetStage", deadline, ct).ConfigureAwait(false)).Text);
        return new ApiIntegrations(apiId, stage, ApiType.Rest, integrations, variables, authorizers);
    }

    private async Task<ApiIntegrations> HttpApi(string apiId, string? stage, DateTimeOffset deadline, CancellationToken ct)
    {
        var byId = new Dictionary<string, (string Uri, string? Credentials, int? TimeoutMs)>(StringComparer.Ordinal);
        await Pages("/v2/apis/{apiId}/integrations", apiId, "API Gateway GetIntegrations", deadline, ct, text =>
        {
            var (items, next) = LambdaIntegrations.ParseHttpIntegrations(text);
            foreach (var (id, uri, credentials, timeout) in items)
            {
                byId[id] = (uri, credentials, timeout);
            }
            return next;
        }).ConfigureAwait(false);
        var routes = new List<(string RouteKey, string IntegrationId, string? AuthorizerId)>();
        await Pages("/v2/apis/{apiId}/routes", apiId, "API Gateway GetRoutes", deadline, ct, text =>
        {
            var (items, next) = LambdaIntegrations.ParseHttpRoutes(text);
            routes.AddRange(items);
            return next;
        }).ConfigureAwait(false);
        var authorizers = new List<LambdaAuthorizer>();
        await Pages("/v2/apis/{apiId}/authorizers", apiId, "API Gateway GetAuthorizers (v2)", deadline, ct, Authorizers(authorizers)).ConfigureAwait(false);
        var integrations = routes.Where(r => byId.ContainsKey(r.IntegrationId))
            .Select(r => new LambdaIntegration(null, null, r.RouteKey, byId[r.IntegrationId].Uri, byId[r.IntegrationId].Credentials, r.AuthorizerId, byId[r.IntegrationId].TimeoutMs))
            .Concat(byId.Where(kv => routes.All(r => r.IntegrationId != kv.Key)).Select(kv => new LambdaIntegration(null, null, null, kv.Value.Uri, kv.Value.Credentials, TimeoutMs: kv.Value.TimeoutMs)))
            .ToList();
        var variables = stage is null ? new Dictionary<string, string>() : LambdaIntegrations.ParseStageVariables(
            (await Get(httpEndpoint, "/v2/apis/{apiId}/stages/{stageName}", new() { ["apiId"] = apiId, ["stageName"] = stage }, null,
                "API Gateway GetStage (v2)", deadline, ct).ConfigureAwait(false)).Text);
        return new ApiIntegrations(apiId, stage, ApiType.Http, integrations, variables, authorizers);
    }

    private static Func<string, string?> Authorizers(List<LambdaAuthorizer> into) => text =>
    {
        var (items, next) = LambdaIntegrations.ParseAuthorizers(text);
        into.AddRange(items);
        return next;
    };

    private Task Pages(string path, string apiId, string operation, DateTimeOffset deadline, CancellationToken ct, Func<string, string?> onPage) =>
        Pages(httpEndpoint, path, new() { ["apiId"] = apiId }, new() { ["maxResults"] = "100" }, "nextToken", operation, deadline, ct, onPage);

    /// <summary>Reads every page (at most 100): <paramref name="onPage"/> takes a page's text and returns the next token.</summary>
    private async Task Pages(Uri endpoint, string path, Dictionary<string, string> pathValues, Dictionary<string, string> query, string tokenName,
        string operation, DateTimeOffset deadline, CancellationToken ct, Func<string, string?> onPage)
    {
        string? token = null;
        for (var page = 0; page < 100; page++)
        {
            var pageQuery = new Dictionary<string, string>(query);
            if (token is not null)
            {
                pageQuery[tokenName] = token;
            }
            var response = await Get(endpoint, path, pathValues, pageQuery, operation, deadline, ct).ConfigureAwait(false);
            var next = onPage(response.Text);
            if (next is null || next == token)
            {
                return;
            }
            token = next;
        }
    }

    private Task<AwsResponse> Get(Uri endpoint, string path, Dictionary<string, string> pathValues, Dictionary<string, string>? query, string operation,
        DateTimeOffset deadline, CancellationToken ct) =>
        http.SendAsync(new AwsRequest(HttpMethod.Get, endpoint, path, "apigateway", region, pathValues, query, Headers: Json, Operation: operation), deadline, ct);
}
