using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace Remediator.Function.Aws;

/// <summary>A request to an AWS API before signing: everything SigV4 covers.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Endpoint">Scheme and host (and port), e.g. https://sns.us-east-1.amazonaws.com.</param>
/// <param name="ResourcePath">Path with <c>{Name}</c> placeholders, filled from <paramref name="PathValues"/> (raw values: the SDK encodes them).</param>
/// <param name="Service">The SigV4 signing name (sns, lambda, apigateway).</param>
/// <param name="Region">The SigV4 signing region.</param>
public sealed record AwsRequest(
    HttpMethod Method,
    Uri Endpoint,
    string ResourcePath,
    string Service,
    string Region,
    IReadOnlyDictionary<string, string>? PathValues = null,
    IReadOnlyDictionary<string, string>? Query = null,
    byte[]? Body = null,
    string? ContentType = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string Operation = "");

/// <summary>
/// Signs requests with AWSSDK.Core's SigV4 signer (../shared/docs/aws-wire-facts.md §5): the one place that knows
/// SigV4. Pitfalls handled here: the SDK signer does not add the session token, so it is set before signing (in
/// Lambda every credential is a session credential); the signing name and region are set explicitly, or the
/// signer would ask a client config we do not have; path values go in raw, or they end up encoded three times.
/// </summary>
public static class AwsRequestSigner
{
    private static readonly RawConfig Config = new();

    public static HttpRequestMessage Sign(AwsRequest request, ImmutableCredentials credentials, DateTime? signedAt = null)
    {
        var r = new DefaultRequest(new RawRequest(), request.Service)
        {
            HttpMethod = request.Method.Method,
            Endpoint = request.Endpoint,
            ResourcePath = request.ResourcePath,
            OverrideSigningServiceName = request.Service,
            AuthenticationRegion = request.Region,
        };
        foreach (var (name, value) in request.PathValues ?? new Dictionary<string, string>())
        {
            r.AddPathResource("{" + name + "}", value);
        }
        if (request.Query is { Count: > 0 } query)
        {
            foreach (var (name, value) in query)
            {
                r.Parameters[name] = value;
            }
            r.UseQueryString = true;
        }
        if (request.Body is not null)
        {
            r.Content = request.Body;
            r.Headers["Content-Type"] = request.ContentType ?? "application/octet-stream";
        }
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            r.Headers[name] = value;
        }
        if (credentials.UseToken)
        {
            r.Headers["x-amz-security-token"] = credentials.Token; // before signing: the signer does not add it
        }
        var signer = new AWS4Signer();
        var result = signedAt is { } at
            ? signer.SignRequest(r, Config, null, credentials.AccessKey, credentials.SecretKey, at)
            : signer.SignRequest(r, Config, null, credentials.AccessKey, credentials.SecretKey);

        var message = new HttpRequestMessage(request.Method, AmazonServiceClient.ComposeUrl(r));
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType ?? "application/octet-stream");
        }
        foreach (var (name, value) in r.Headers)
        {
            if (name.Equals("host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue; // HttpClient sets the same host; content headers travel with the content
            }
            message.Headers.TryAddWithoutValidation(name, value);
        }
        message.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        return message;
    }

    private sealed class RawRequest : AmazonWebServiceRequest;

    /// <summary>The signer needs a ClientConfig instance; nothing in it is used once the signing name and region are set.</summary>
    private sealed class RawConfig : ClientConfig
    {
        public RawConfig() : base(new DefaultConfigurationProvider([
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard },
        ]))
        {
        }

        public override string ServiceVersion => "remediator";
        public override string UserAgent => "remediator";
        public override string RegionEndpointServiceName => "remediator";
        public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) => throw new NotSupportedException();
    }
}
