using System.Collections.Concurrent;

namespace Remediator.Testing;

/// <summary>
/// A local SNS endpoint on 127.0.0.1 that speaks the Query protocol: it verifies every request's SigV4 signature,
/// decodes the form body, records Publish calls and answers with SNS's XML. Scripted faults come first.
/// </summary>
public sealed class FakeSns : LocalAwsEndpoint
{
    /// <summary>Answers to give before the normal ones: (HTTP status, error code), one per request.</summary>
    public ConcurrentQueue<(int Status, string Code)> Faults { get; } = new();

    /// <summary>Form fields of every request, in order (duplicates kept).</summary>
    public static List<KeyValuePair<string, string>> FormOf(ReceivedRequest r) =>
        r.Text.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Decode(p[0]), Decode(p.Length > 1 ? p[1] : "")))
            .ToList();

    public IEnumerable<Received> Publishes => Requests.Select(r => new Received(r)).Where(r => r.Form.GetValueOrDefault("Action") == "Publish" && r.Answered == 200);

    public IEnumerable<Received> All => Requests.Select(r => new Received(r));

    /// <summary>A request with its form decoded.</summary>
    public sealed class Received(ReceivedRequest request)
    {
        public IReadOnlyDictionary<string, string> Headers => request.Headers;
        public SigV4Verifier.Result Signature => request.Signature;
        public int Answered => request.Answered;
        public List<KeyValuePair<string, string>> FormPairs { get; } = FormOf(request);
        public Dictionary<string, string> Form => FormPairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
    }

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        if (Faults.TryDequeue(out var fault))
        {
            return Error(fault.Status, fault.Code, fault.Code == "Throttling" ? "Rate exceeded" : fault.Code);
        }
        var form = FormOf(new ReceivedRequest(method, path, query, headers, body, null!, 0));
        if (form.FirstOrDefault(p => p.Key == "Action").Value != "Publish")
        {
            return Error(400, "InvalidAction", "only Publish is implemented");
        }
        return new Answer(200, "text/xml", $"""<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>{Guid.NewGuid()}</MessageId></PublishResult><ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata></PublishResponse>""");
    }

    protected override Answer Error(int status, string code, string message) =>
        new(status, "text/xml", $"""<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>{(status >= 500 ? "Receiver" : "Sender")}</Type><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>""");

    // Form values: RFC 3986 percent-encoding; botocore also sends '+' for a space.
    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
