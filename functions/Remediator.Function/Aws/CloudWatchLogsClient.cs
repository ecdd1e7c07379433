namespace Remediator.Function.Aws;

/// <summary>
/// CloudWatch Logs over JSON 1.1 (aws-wire-facts §4): <c>POST /</c> with <c>X-Amz-Target:
/// Logs_20140328.FilterLogEvents</c> and <c>Content-Type: application/x-amz-json-1.1</c>, signed for <c>logs</c>.
/// Retries (throttling with backoff and jitter, 5xx, broken connections) and one credential refresh on an expired
/// token are <see cref="AwsHttp"/>'s; what still fails is an <see cref="AwsCallException"/> the caller reports.
/// </summary>
public sealed class CloudWatchLogsClient(AwsHttp http, Uri endpoint, string region, TimeProvider time, TimeSpan? callBudget = null) : ILogEventSource
{
    // A person waits on the terminal: one page may take its retries, but not for ever.
    private readonly TimeSpan _budget = callBudget ?? TimeSpan.FromMinutes(2);

    public Uri Endpoint => endpoint;

    public string Region => region;

    public async Task<FilterLogEventsPage> FilterLogEventsAsync(FilterLogEventsRequest request, CancellationToken ct)
    {
        if (request.FilterPattern is { Length: > CloudWatchLogsShapes.MaxFilterPatternLength } pattern)
        {
            throw new ArgumentException($"a filter pattern is at most {CloudWatchLogsShapes.MaxFilterPatternLength} characters; this one has {pattern.Length}");
        }
        var call = new AwsRequest(HttpMethod.Post, endpoint, "/", CloudWatchLogsShapes.SigningName, region,
            Body: CloudWatchLogsShapes.WriteFilterLogEvents(request), ContentType: CloudWatchLogsShapes.ContentType,
            Headers: new Dictionary<string, string> { [CloudWatchLogsShapes.TargetHeader] = CloudWatchLogsShapes.FilterLogEventsTarget },
            Operation: "CloudWatch Logs FilterLogEvents");
        var response = await http.SendAsync(call, time.GetUtcNow() + _budget, ct).ConfigureAwait(false);
        return CloudWatchLogsShapes.ReadFilterLogEvents(response.Body);
    }
}
