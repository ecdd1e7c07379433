using Amazon.Runtime;
using Remediator.Function.Aws;

namespace Remediator.Testing;

/// <summary>Fixed session credentials, as Lambda gives a function (access key, secret, session token).</summary>
public sealed class StaticCredentials(string accessKey = FakeSns.AccessKey, string secret = FakeSns.SecretKey, string? token = FakeSns.SessionToken) : ICredentialSource
{
    public int Invalidations { get; private set; }

    public Task<ImmutableCredentials> GetAsync(CancellationToken ct) => Task.FromResult(new ImmutableCredentials(accessKey, secret, token));

    public void Invalidate() => Invalidations++;
}
