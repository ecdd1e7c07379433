using System.Text.Json;
using Remediator.Core.Diagnosis;

namespace Remediator.Function.Aws;

/// <summary>Where a stage's logs go: REST stages write execution logs to a fixed group, and both kinds access logs
/// to the group of <c>accessLogSettings.destinationArn</c> when access logging is on.</summary>
public sealed record StageLogging(string ApiId, ApiType ApiType, string Stage, string? AccessLogGroup, AccessLogFormat? AccessLogFormat)
{
    /// <summary>API Gateway's own name for a REST stage's execution logs; HTTP APIs have none.</summary>
    public string? ExecutionLogGroup => ApiType == ApiType.Rest ? $"API-Gateway-Execution-Logs_{ApiId}/{Stage}" : null;
}

/// <summary>The stages of an API and their log settings.</summary>
public interface IApiStages
{
    /// <summary>The stage named, or every stage when <paramref name="stage"/> is null; REST first, then HTTP APIs.</summary>
    Task<IReadOnlyList<StageLogging>> GetStagesAsync(string apiId, string? stage, CancellationToken ct);
}

/// <summary>
/// API Gateway GetStage / GetStages (aws-wire-facts §3): REST <c>GET /restapis/{id}/stages[/{stage}]</c> (list in
/// <c>item</c>; <c>Accept: application/json</c> or the answer is HAL), HTTP APIs <c>GET /v2/apis/{id}/stages[/{stage}]</c>
/// (list in <c>items</c>, paged by <c>nextToken</c>). An id that is not a REST API answers 404 there, so the HTTP API
/// path is asked next.
/// </summary>
public sealed class ApiGatewayStages(AwsHttp http, string region, Uri restEndpoint, Uri httpEndpoint, TimeProvider time) : IApiStages
{
    private static readonly Dictionary<string, string> Json = new() { ["Accept"] = "application/json" };

    public async Task<IReadOnlyList<StageLogging>> GetStagesAsync(string apiId, string? stage, CancellationToken ct)
    {
        try
        {
            return await Read(restEndpoint, stage is null ? "/restapis/{apiId}/stages" : "/restapis/{apiId}/stages/{stage}", apiId, stage, ApiType.Rest, "item", ct).ConfigureAwait(false);
        }
        catch (AwsCallException rest) when (rest.Status == 404)
        {
            try
            {
                return await Read(httpEndpoint, stage is null ? "/v2/apis/{apiId}/stages" : "/v2/apis/{apiId}/stages/{stage}", apiId, stage, ApiType.Http, "items", ct).ConfigureAwait(false);
            }
            catch (AwsCallException v2) when (v2.Status == 404)
            {
                // Neither kind knows it: the REST answer names what is missing (the API or its stage).
                throw rest;
            }
        }
    }

    private async Task<IReadOnlyList<StageLogging>> Read(Uri endpoint, string path, string apiId, string? stage, ApiType type, string listKey, CancellationToken ct)
    {
        var values = new Dictionary<string, string> { ["apiId"] = apiId };
        if (stage is not null)
        {
            values["stage"] = stage;
        }
        var stages = new List<StageLogging>();
        string? token = null;
        for (var page = 0; page < 20; page++)
        {
            var query = token is null ? null : new Dictionary<string, string> { ["nextToken"] = token };
            var request = new AwsRequest(HttpMethod.Get, endpoint, path, "apigateway", region, values, query, Headers: Json,
                Operation: type == ApiType.Rest ? (stage is null ? "API Gateway GetStages" : "API Gateway GetStage") : (stage is null ? "API Gateway GetStages (v2)" : "API Gateway GetStage (v2)"));
            var response = await http.SendAsync(request, time.GetUtcNow() + TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(response.Body);
            var root = doc.RootElement;
            if (stage is not null)
            {
                return [Parse(apiId, type, root)];
            }
            if (root.TryGetProperty(listKey, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                stages.AddRange(items.EnumerateArray().Select(s => Parse(apiId, type, s)));
            }
            token = root.TryGetProperty("nextToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (token is null)
            {
                break;
            }
        }
        return stages;
    }

    /// <summary>A Stage: <c>stageName</c> and <c>accessLogSettings{destinationArn,format}</c> (the same member names in both APIs).</summary>
    public static StageLogging Parse(string apiId, ApiType type, JsonElement stage)
    {
        var name = stage.TryGetProperty("stageName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        string? group = null;
        AccessLogFormat? format = null;
        if (stage.TryGetProperty("accessLogSettings", out var access) && access.ValueKind == JsonValueKind.Object
            && access.TryGetProperty("destinationArn", out var arn) && arn.ValueKind == JsonValueKind.String)
        {
            group = LogGroupOf(arn.GetString()!);
            var text = access.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
            format = group is null ? null : text.TrimStart().StartsWith('{') ? AccessLogFormat.Json : AccessLogFormat.Clf;
        }
        return new StageLogging(apiId, type, name, group, format);
    }

    /// <summary>The group name of <c>arn:aws:logs:region:account:log-group:NAME</c> (CloudFormation may add <c>:*</c>); null for
    /// another destination (a Firehose stream).</summary>
    public static string? LogGroupOf(string arn)
    {
        const string marker = ":log-group:";
        var at = arn.IndexOf(marker, StringComparison.Ordinal);
        if (!arn.StartsWith("arn:", StringComparison.Ordinal) || at < 0)
        {
            return null;
        }
        var name = arn[(at + marker.Length)..];
        return name.EndsWith(":*", StringComparison.Ordinal) ? name[..^2] : name;
    }
}
