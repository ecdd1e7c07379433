using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;

namespace Remediator.Function.Aws;

/// <summary>What AssumeRole is asked for. <paramref name="DurationSeconds"/>: 900 (STS's minimum) unless told.</summary>
public sealed record AssumeRoleRequest(string RoleArn, string RoleSessionName, int DurationSeconds = 900, string? ExternalId = null);

/// <summary>Temporary credentials of an assumed role, and when they stop working.</summary>
public sealed record AssumedRole(ImmutableCredentials Credentials, DateTimeOffset Expiration, string AssumedRoleArn, string AssumedRoleId);

/// <summary>AWS STS, as far as repair in member accounts needs it. Real one: <see cref="StsClient"/>.</summary>
public interface IStsClient
{
    Task<AssumedRole> AssumeRoleAsync(AssumeRoleRequest request, DateTimeOffset deadline, CancellationToken ct);
}

/// <summary>
/// STS AssumeRole over the Query protocol (botocore sts/2011-06-15: POST /, form body <c>Action=AssumeRole</c>,
/// <c>Version=2011-06-15</c>, then the members in the model's order; the answer is XML wrapped in
/// <c>AssumeRoleResult</c>). Regional endpoint (sts.{region}.amazonaws.com): the global one is a single region's
/// dependency, and its tokens are not valid in opt-in regions.
/// </summary>
public sealed class StsClient(AwsHttp http, Uri endpoint, string region) : IStsClient
{
    public const string Version = "2011-06-15";

    public Uri Endpoint => endpoint;

    public async Task<AssumedRole> AssumeRoleAsync(AssumeRoleRequest request, DateTimeOffset deadline, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(SnsPublisher.FormBody(AssumeRoleParameters(request)));
        var call = new AwsRequest(HttpMethod.Post, endpoint, "/", "sts", region, Body: body,
            ContentType: "application/x-www-form-urlencoded; charset=utf-8", Operation: "STS AssumeRole");
        var response = await http.SendAsync(call, deadline, ct).ConfigureAwait(false);
        return ParseAssumeRole(response.Text) ?? throw new AwsCallException(call.Operation, endpoint, region, (int)response.Status, null,
            "the answer has no Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration)", 1);
    }

    /// <summary>The parameters in the order botocore's query serializer writes them (the model's member order).</summary>
    public static List<KeyValuePair<string, string>> AssumeRoleParameters(AssumeRoleRequest request)
    {
        var p = new List<KeyValuePair<string, string>>
        {
            new("Action", "AssumeRole"),
            new("Version", Version),
            new("RoleArn", request.RoleArn),
            new("RoleSessionName", request.RoleSessionName),
            new("DurationSeconds", request.DurationSeconds.ToString(CultureInfo.InvariantCulture)),
        };
        if (request.ExternalId is not null)
        {
            p.Add(new("ExternalId", request.ExternalId));
        }
        return p;
    }

    /// <summary>The credentials of an AssumeRoleResponse, matched by local name; null when any required member is missing.</summary>
    public static AssumedRole? ParseAssumeRole(string xml)
    {
        try
        {
            var doc = XDocument.Parse(xml);
            string? Value(XElement? parent, string name) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
            var result = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "AssumeRoleResult");
            var creds = result?.Elements().FirstOrDefault(e => e.Name.LocalName == "Credentials");
            var user = result?.Elements().FirstOrDefault(e => e.Name.LocalName == "AssumedRoleUser");
            var (key, secret, token, expiration) = (Value(creds, "AccessKeyId"), Value(creds, "SecretAccessKey"), Value(creds, "SessionToken"), Value(creds, "Expiration"));
            if (key is null || secret is null || token is null || expiration is null
                || !DateTimeOffset.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var expires))
            {
                return null;
            }
            return new AssumedRole(new ImmutableCredentials(key, secret, token), expires, Value(user, "Arn") ?? "", Value(user, "AssumedRoleId") ?? "");
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
