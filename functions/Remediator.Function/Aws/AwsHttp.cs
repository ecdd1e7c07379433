using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;

namespace Remediator.Function.Aws;

/// <summary>Where credentials come from; the real one is AWSSDK.Core's default chain.</summary>
public interface ICredentialSource
{
    Task<ImmutableCredentials> GetAsync(CancellationToken ct);

    /// <summary>Called after an expired-token error: the next <see cref="GetAsync"/> must not return the same credentials.</summary>
    void Invalidate();
}

/// <param name="MaxAttempts">Tries in all, the first included.</param>
/// <param name="BaseDelay">Backoff base: the n-th retry waits a random time up to BaseDelay × 2^n (full jitter), at most <paramref name="MaxDelay"/>.</param>
/// <param name="AttemptTimeout">Longest wait for one answer; never past the deadline.</param>
public sealed record RetryPolicy(int MaxAttempts = 5, TimeSpan? BaseDelay = null, TimeSpan? MaxDelay = null, TimeSpan? AttemptTimeout = null)
{
    public TimeSpan Base => BaseDelay ?? TimeSpan.FromMilliseconds(100);
    public TimeSpan Max => MaxDelay ?? TimeSpan.FromSeconds(5);
    public TimeSpan Timeout => AttemptTimeout ?? TimeSpan.FromSeconds(10);
}

public sealed record AwsResponse(HttpStatusCode Status, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>An AWS call that failed for good. The message names the operation, endpoint and region, never a secret.</summary>
public sealed class AwsCallException(string operation, Uri endpoint, string region, int? status, string? code, string message, int attempts, Exception? inner = null)
    : Exception($"{operation} at {endpoint.GetLeftPart(UriPartial.Authority)} ({region}) failed after {attempts} attempt(s): {(status is null ? "" : $"HTTP {status} ")}{code ?? ""}{(code is null ? "" : ": ")}{message}", inner)
{
    public string Operation { get; } = operation;
    public int? Status { get; } = status;
    public string? Code { get; } = code;
}

/// <summary>
/// Sends signed requests with bounded retries: exponential backoff with full jitter on throttling, 5xx, timeouts
/// and broken connections, honouring Retry-After, and never waiting past the caller's deadline.
/// </summary>
public sealed class AwsHttp(HttpClient http, ICredentialSource credentials, TimeProvider time, RetryPolicy? policy = null, Random? random = null)
{
    private readonly RetryPolicy _policy = policy ?? new RetryPolicy();
    private readonly Random _random = random ?? Random.Shared;

    // botocore's throttling and transient codes (aws-wire-facts §2.3), plus SNS's own spellings.
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "Throttled", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable", "ServiceException",
    };

    private static readonly HashSet<string> ExpiredCodes = new(StringComparer.Ordinal)
    {
        "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
    };

    /// <summary>Sends <paramref name="request"/>; returns the 2xx response or throws <see cref="AwsCallException"/>.</summary>
    public async Task<AwsResponse> SendAsync(AwsRequest request, DateTimeOffset deadline, CancellationToken ct = default)
    {
        var refreshed = false;
        // The last answer the service gave: when the time runs out on a later attempt, the error still says what the
        // service answered (a busy machine must not turn "503 ServiceUnavailable" into a bare "no time left").
        (int? Status, string? Code, string Message)? lastAnswer = null;
        for (var attempt = 1; ; attempt++)
        {
            string? code = null, message;
            int? status = null;
            TimeSpan? retryAfter = null;
            Exception? error = null;
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new AwsCallException(request.Operation, request.Endpoint, request.Region, lastAnswer?.Status, lastAnswer?.Code,
                    "no time left in the invocation" + (lastAnswer is { } last ? $" (the last answer: {last.Message})" : ""), attempt - 1);
            }
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attemptCts.CancelAfter(remaining < _policy.Timeout ? remaining : _policy.Timeout);
            try
            {
                var creds = await credentials.GetAsync(attemptCts.Token).ConfigureAwait(false);
                using var signed = AwsRequestSigner.Sign(request, creds);
                using var response = await http.SendAsync(signed, attemptCts.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(attemptCts.Token).ConfigureAwait(false);
                var headers = response.Headers.Concat(response.Content.Headers)
                    .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => string.Join(",", g.SelectMany(h => h.Value)), StringComparer.OrdinalIgnoreCase);
                if (response.IsSuccessStatusCode)
                {
                    return new AwsResponse(response.StatusCode, body, headers);
                }
                status = (int)response.StatusCode;
                (code, message) = ParseError(headers, body);
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                message = "no answer in time";
                error = e;
            }
            catch (HttpRequestException e)
            {
                message = $"connection failed ({e.HttpRequestError})";
                error = e;
            }
            catch (IOException e)
            {
                // The answer ended early (the connection dropped mid-response): the request may or may not have been
                // applied, so it is retried and the operations are written to be safe to repeat.
                message = $"the answer was cut off ({e.GetType().Name})";
                error = e;
            }

            if (code is not null && ExpiredCodes.Contains(code) && !refreshed)
            {
                credentials.Invalidate(); // one fresh set of credentials, then the same request again
                refreshed = true;
                continue;
            }
            var retryable = error is not null || status is 429 or >= 500 || (code is not null && RetryableCodes.Contains(code));
            var delay = Backoff(attempt, retryAfter);
            if (!retryable || attempt >= _policy.MaxAttempts || time.GetUtcNow() + delay >= deadline)
            {
                if (status is null && lastAnswer is { } last)
                {
                    throw new AwsCallException(request.Operation, request.Endpoint, request.Region, last.Status, last.Code, $"{message} (the last answer: {last.Message})", attempt, error);
                }
                throw new AwsCallException(request.Operation, request.Endpoint, request.Region, status, code, message ?? "", attempt, error);
            }
            if (status is not null)
            {
                lastAnswer = (status, code, message ?? "");
            }
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(_policy.Max.TotalMilliseconds, _policy.Base.TotalMilliseconds * Math.Pow(2, attempt - 1));
        var jittered = TimeSpan.FromMilliseconds(_random.NextDouble() * ceiling);
        return retryAfter is { } ra && ra > jittered ? (ra < _policy.Max ? ra : _policy.Max) : jittered;
    }

    /// <summary>
    /// The error code and message of any AWS protocol: the <c>x-amzn-ErrorType</c> header (everything after ':'
    /// dropped), a query-protocol XML <c>&lt;Error&gt;&lt;Code&gt;</c>, or a JSON <c>__type</c>/<c>code</c>/<c>Code</c>.
    /// </summary>
    public static (string? Code, string Message) ParseError(IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        string? code = null, message = null;
        if (headers.TryGetValue("x-amzn-ErrorType", out var type) && type.Length > 0)
        {
            code = type.Split(':', 2)[0];
        }
        var text = Encoding.UTF8.GetString(body).Trim();
        if (text.StartsWith('<'))
        {
            try
            {
                var doc = XDocument.Parse(text);
                var error = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                code ??= error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
                message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
            }
            catch (System.Xml.XmlException)
            {
                // Not XML after all (a proxy's HTML page): the text itself, cut, is the message.
            }
        }
        else if (text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                string? Get(params string[] names) => names.Select(n => root.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                    .FirstOrDefault(v => v is not null);
                code ??= Get("__type", "code", "Code")?.Split(':', 2)[0].Split('#')[^1];
                message = Get("message", "Message");
            }
            catch (JsonException)
            {
                // Likewise for broken JSON.
            }
        }
        return (code, message ?? (text.Length > 200 ? text[..200] : text));
    }
}

/// <summary>No AWS credentials could be found: the message says how to provide them.</summary>
public sealed class CredentialsUnavailableException(Exception? inner = null)
    : Exception("no AWS credentials found: set AWS_PROFILE (after 'aws configure' or 'aws sso login'), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)", inner);

/// <summary>AWSSDK.Core's default credential chain (environment, profiles, SSO, container and instance roles), resolved once.</summary>
public sealed class DefaultCredentialSource : ICredentialSource
{
    private AWSCredentials? _chain;

    public async Task<ImmutableCredentials> GetAsync(CancellationToken ct)
    {
        try
        {
            _chain ??= await Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null).ConfigureAwait(false);
            return await _chain.GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            // The SDK's message lists every provider it tried, one exception each: say once what is missing instead.
            throw new CredentialsUnavailableException(e);
        }
    }

    public void Invalidate() => _chain = null;
}
