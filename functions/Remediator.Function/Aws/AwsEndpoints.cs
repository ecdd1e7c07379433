namespace Remediator.Function.Aws;

/// <summary>
/// Endpoint selection as the AWS SDKs and CLI define it: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then
/// <c>AWS_ENDPOINT_URL</c>, then the regional endpoint (<c>.amazonaws.com.cn</c> in the China regions).
/// <c>http://</c> endpoints are allowed, for local use.
/// </summary>
public static class AwsEndpoints
{
    /// <param name="serviceEnvName">The service's part of the variable name: SNS, LAMBDA, API_GATEWAY, APIGATEWAYV2.</param>
    /// <param name="endpointPrefix">The host prefix of the regional endpoint: sns, lambda, apigateway.</param>
    public static Uri Resolve(string serviceEnvName, string endpointPrefix, string region, Func<string, string?> env)
    {
        var configured = env("AWS_ENDPOINT_URL_" + serviceEnvName) is { Length: > 0 } specific ? specific : env("AWS_ENDPOINT_URL");
        if (configured is { Length: > 0 })
        {
            if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"AWS_ENDPOINT_URL{(env("AWS_ENDPOINT_URL_" + serviceEnvName) is { Length: > 0 } ? "_" + serviceEnvName : "")} is not an http(s) URL: '{configured}'");
            }
            return uri;
        }
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{endpointPrefix}.{region}.{suffix}");
    }

    /// <summary>The region of an ARN (<c>arn:partition:service:region:account:resource</c>); a resource's region wins over the default.</summary>
    public static string? RegionOf(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length >= 6 && parts[0] == "arn" && parts[3].Length > 0 ? parts[3] : null;
    }
}
