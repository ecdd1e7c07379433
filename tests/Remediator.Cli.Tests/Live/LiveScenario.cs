using System.Globalization;
using System.Text.Json.Nodes;
using Remediator.Testing;

namespace Remediator.Cli.Tests.Live;

/// <summary>
/// Two hours of traffic in a local CloudWatch Logs, and the API Gateway stages that point at it: REST API
/// <see cref="RestApi"/> (stage prod: execution logs, JSON access logs) and HTTP API <see cref="HttpApi"/> (stage
/// $default: JSON access logs). Healthy requests throughout; in the last hour 3 malformed proxy responses on
/// GET /books/{id} (books-api:live), 2 function errors on GET /authors/{id} (authors-api) and 2 missing permissions
/// on POST /checkout (HTTP API); in the hour before, other failures that a one-hour read must not report (2 malformed,
/// 2 integration timeouts on GET /reports/{id}, an HTTP API 503).
/// </summary>
internal sealed class LiveScenario : IDisposable
{
    public const string RestApi = "a1b2c3d4e5", HttpApi = "h7t9p2q4r6", Region = "us-east-1", Account = "123456789012";
    public const string ExecutionGroup = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";
    public const string RestAccessGroup = "/aws/apigateway/books-rest-access";
    public const string HttpAccessGroup = "/aws/apigateway/checkout-http-access";
    private const string JsonFormat = """{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status"}""";

    public FakeCloudWatchLogs Logs { get; } = new();
    public FakeApiGateway ApiGateway { get; } = new();
    public DateTimeOffset Now { get; }
    private int _sequence;

    public LiveScenario(DateTimeOffset now)
    {
        Now = now;
        ApiGateway.RestIntegration(RestApi, "GET", "/books/{id}", Fn("books-api:live"))
            .AccessLogs(RestApi, "prod", $"arn:aws:logs:{Region}:{Account}:log-group:{RestAccessGroup}", JsonFormat)
            .HttpIntegration(HttpApi, "POST /checkout", Fn("checkout-api"))
            .AccessLogs(HttpApi, "$default", $"arn:aws:logs:{Region}:{Account}:log-group:{HttpAccessGroup}:*", JsonFormat);
        Logs.Group(ExecutionGroup).Group(RestAccessGroup).Group(HttpAccessGroup);
        for (var minute = 118; minute >= 2; minute -= 4)
        {
            Rest(At(minute), "GET", "/books/{id}", "/books/7", "books-api:live", Outcome.Ok);
        }
        for (var minute = 117; minute >= 2; minute -= 5)
        {
            Http(At(minute), "GET /cart", 200, null);
        }
        foreach (var minute in new[] { 50, 31, 12 })
        {
            Rest(At(minute), "GET", "/books/{id}", "/books/52", "books-api:live", Outcome.Malformed);
        }
        foreach (var minute in new[] { 44, 20 })
        {
            Rest(At(minute), "GET", "/authors/{id}", "/authors/9", "authors-api", Outcome.FunctionError);
        }
        foreach (var minute in new[] { 40, 15 })
        {
            Http(At(minute), "POST /checkout", 500, "The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.");
        }
        // The hour before: not to be reported by a one-hour read.
        foreach (var minute in new[] { 100, 75 })
        {
            Rest(At(minute), "GET", "/books/{id}", "/books/52", "books-api:live", Outcome.Malformed);
        }
        foreach (var minute in new[] { 90, 70 })
        {
            Rest(At(minute), "GET", "/reports/{id}", "/reports/3", "reports-api", Outcome.Timeout);
        }
        Http(At(85), "GET /inventory/{sku}", 503, null);
    }

    public static string Fn(string nameAndQualifier) => $"arn:aws:lambda:{Region}:{Account}:function:{nameAndQualifier}";

    public DateTimeOffset At(double minutesAgo) => Now - TimeSpan.FromMinutes(minutesAgo);

    public enum Outcome { Ok, Malformed, FunctionError, Timeout }

    /// <summary>One REST request: its execution-log lines, as API Gateway writes them at INFO level, and its access entry.</summary>
    public string Rest(DateTimeOffset t, string method, string template, string path, string function, Outcome outcome)
    {
        var id = Guid.NewGuid().ToString();
        var stream = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var uri = $"https://lambda.{Region}.amazonaws.com/2015-03-31/functions/{Fn(function)}/invocations";
        var lines = new List<string>
        {
            $"Extended Request Id: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())[..15]}=",
            $"Verifying Usage Plan for request: {id}. API Key:  API Stage: {RestApi}/prod",
            $"API Key  authorized because method '{method} {template}' does not require API Key. Request will not contribute to throttle or quota limits",
            $"Usage Plan check succeeded for API Key  and API Stage {RestApi}/prod",
            $"Starting execution for request: {id}",
            $"HTTP Method: {method}, Resource Path: {path}",
            $"Endpoint request URI: {uri}",
            $"Sending request to {uri}",
        };
        var status = 200;
        switch (outcome)
        {
            case Outcome.Ok:
                lines.Add("Received response. Integration latency: 105 ms");
                lines.Add("""Endpoint response body before transformations: {"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"id\":\"7\"}"}""");
                lines.Add("Successfully completed execution");
                lines.Add("Method completed with status: 200");
                break;
            case Outcome.Malformed:
                status = 502;
                lines.Add("Received response. Integration latency: 98 ms");
                lines.Add("""Endpoint response body before transformations: {"id":"52","title":"Dune"}""");
                lines.Add("Execution failed due to configuration error: Malformed Lambda proxy response");
                lines.Add("Method completed with status: 502");
                break;
            case Outcome.FunctionError:
                status = 502;
                lines.Add("Received response. Integration latency: 212 ms");
                lines.Add("""Endpoint response body before transformations: {"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'id')"}""");
                lines.Add($"Lambda execution failed with status 200 due to customer function error: Cannot read properties of undefined (reading 'id'). Lambda request id: {Guid.NewGuid()}");
                lines.Add("Method completed with status: 502");
                break;
            case Outcome.Timeout:
                status = 504;
                lines.Add("Execution failed due to a timeout error");
                lines.Add("Method completed with status: 504");
                break;
        }
        lines.Add($"AWS Integration Endpoint RequestId : {Guid.NewGuid()}");
        for (var i = 0; i < lines.Count; i++)
        {
            // A timeout's last lines come 29 s after the first; other requests take milliseconds.
            var offset = outcome == Outcome.Timeout && i >= lines.Count - 3 ? TimeSpan.FromSeconds(29) : TimeSpan.FromMilliseconds(i * 3);
            Logs.Append(ExecutionGroup, stream, t + offset, $"({id}) {lines[i]}");
        }
        Logs.Append(RestAccessGroup, stream, t + TimeSpan.FromMilliseconds(200), Access(id, t, method, template, status));
        return id;
    }

    public string Http(DateTimeOffset t, string routeKey, int status, string? integrationError)
    {
        var id = Convert.ToBase64String(Guid.NewGuid().ToByteArray())[..15] + "=";
        var entry = new JsonObject
        {
            ["apiId"] = HttpApi, ["stage"] = "$default", ["requestId"] = id, ["ip"] = "198.51.100.26", ["requestTime"] = Clf(t),
            ["httpMethod"] = routeKey.Split(' ')[0], ["routeKey"] = routeKey, ["status"] = status.ToString(CultureInfo.InvariantCulture),
            ["protocol"] = "HTTP/1.1", ["responseLength"] = "35", ["integrationStatus"] = status == 200 ? "200" : "-",
            ["integrationLatency"] = status == 503 ? "30017" : "-", ["integrationErrorMessage"] = integrationError ?? "-",
            ["errorMessageString"] = status == 200 ? "-" : status == 503 ? "Service Unavailable" : "Internal Server Error",
            ["errorResponseType"] = status == 503 ? "INTEGRATION_TIMEOUT" : "-",
        };
        Logs.Append(HttpAccessGroup, $"http-{_sequence++ % 3}", t, entry.ToJsonString());
        return id;
    }

    private string Access(string id, DateTimeOffset t, string method, string template, int status) => new JsonObject
    {
        ["apiId"] = RestApi, ["stage"] = "prod", ["requestId"] = id, ["ip"] = "203.0.113.58", ["requestTime"] = Clf(t),
        ["httpMethod"] = method, ["resourcePath"] = template, ["status"] = status.ToString(CultureInfo.InvariantCulture), ["protocol"] = "HTTP/1.1",
        ["responseLength"] = "41", ["integrationErrorMessage"] = "-", ["errorMessage"] = status == 200 ? "-" : "Internal server error",
        ["errorResponseType"] = status == 504 ? "INTEGRATION_TIMEOUT" : "-",
    }.ToJsonString();

    private static string Clf(DateTimeOffset t) => t.ToUniversalTime().ToString("dd/MMM/yyyy:HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>The environment the command runs in: these endpoints, a region, the local credentials.</summary>
    public Dictionary<string, string?> Environment()
    {
        var env = new Dictionary<string, string?>
        {
            ["AWS_REGION"] = Region,
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", // anything not routed below would fail loudly
            ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = Logs.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_API_GATEWAY"] = ApiGateway.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_APIGATEWAYV2"] = ApiGateway.Endpoint.ToString(),
        };
        LocalAwsEndpoint.UseLocalCredentials(env);
        return env;
    }

    public void Dispose()
    {
        Logs.Dispose();
        ApiGateway.Dispose();
    }
}
