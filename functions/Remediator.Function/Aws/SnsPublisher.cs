using System.Text;
using System.Xml.Linq;
using Remediator.Core.Notify;
using Remediator.Function.Notify;

namespace Remediator.Function.Aws;

/// <summary>
/// SNS Publish over the Query protocol (aws-wire-facts §2): a form body with <c>Action=Publish</c>,
/// <c>Version=2010-03-31</c>, <c>MessageStructure=json</c> and the attributes as
/// <c>MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue</c>; the answer is XML.
/// </summary>
public sealed class SnsPublisher(AwsHttp http, string topicArn, Uri endpoint, string region) : IMessagePublisher
{
    public string TopicArn => topicArn;

    public Uri Endpoint => endpoint;

    public async Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(FormBody(PublishParameters(topicArn, message)));
        var request = new AwsRequest(HttpMethod.Post, endpoint, "/", "sns", region, Body: body,
            ContentType: "application/x-www-form-urlencoded; charset=utf-8", Operation: "SNS Publish");
        var response = await http.SendAsync(request, deadline, ct).ConfigureAwait(false);
        return MessageId(response.Text) ?? throw new AwsCallException(request.Operation, endpoint, region, (int)response.Status, null,
            "the answer has no MessageId", 1);
    }

    /// <summary>The Publish parameters in the order botocore's query serializer writes them.</summary>
    public static List<KeyValuePair<string, string>> PublishParameters(string topicArn, OutgoingMessage message)
    {
        var p = new List<KeyValuePair<string, string>>
        {
            new("Action", "Publish"),
            new("Version", "2010-03-31"),
            new("TopicArn", topicArn),
            new("Message", message.Structured),
            new("Subject", message.Subject),
            new("MessageStructure", "json"),
        };
        var i = 1;
        foreach (var a in message.Attributes)
        {
            p.Add(new($"MessageAttributes.entry.{i}.Name", a.Name));
            p.Add(new($"MessageAttributes.entry.{i}.Value.DataType", a.DataType));
            p.Add(new($"MessageAttributes.entry.{i}.Value.StringValue", a.Value));
            i++;
        }
        return p;
    }

    /// <summary>RFC 3986 encoding of keys and values (<c>Uri.EscapeDataString</c>): the signature covers these exact bytes.</summary>
    public static string FormBody(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));

    /// <summary>The MessageId of a PublishResponse, matched by local name (the namespace is not relied on).</summary>
    public static string? MessageId(string xml)
    {
        try
        {
            return XDocument.Parse(xml).Descendants().FirstOrDefault(e => e.Name.LocalName == "MessageId")?.Value;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
