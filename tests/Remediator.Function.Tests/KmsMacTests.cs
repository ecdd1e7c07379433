using System.Text;
using System.Text.Json;
using Remediator.Function.Aws;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The hand-written KMS client and the local KMS agree with the reference client: a MAC the AWS CLI makes, ours
/// verifies, and the other way round; every request is SigV4-signed as KMS checks it.
/// </summary>
public sealed class KmsMacTests : IDisposable
{
    private readonly FakeKms _kms = new();

    public void Dispose() => _kms.Dispose();

    private KmsMacClient Client() =>
        new(new AwsHttp(new HttpClient(), new StaticCredentials(), TimeProvider.System, new RetryPolicy(MaxAttempts: 1)), _kms.Endpoint, "us-east-1", FakeKms.KeyId);

    [Fact(Timeout = 120_000)]
    public async Task GenerateMac_AwsCliAndClient_EachVerifiesTheOthers()
    {
        var message = Encoding.UTF8.GetBytes("remediator-approval/1\naccount=123456789012\n");
        var file = Path.Combine(Path.GetTempPath(), $"kms-message-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(file, message);
        try
        {
            using var cliMac = JsonDocument.Parse(AwsCli.Run(_kms.Endpoint, "kms", "generate-mac", "--key-id", FakeKms.KeyId, "--message", $"fileb://{file}",
                "--mac-algorithm", "HMAC_SHA_256"));
            var mac = Convert.FromBase64String(cliMac.RootElement.GetProperty("Mac").GetString()!);

            (await Client().VerifyMacAsync(message, mac, DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None)).ShouldBeTrue();

            var ours = await Client().GenerateMacAsync(message, DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None);
            ours.ShouldBe(mac);
            var macFile = file + ".mac";
            await File.WriteAllBytesAsync(macFile, ours);
            using var verified = JsonDocument.Parse(AwsCli.Run(_kms.Endpoint, "kms", "verify-mac", "--key-id", FakeKms.KeyId, "--message", $"fileb://{file}",
                "--mac", $"fileb://{macFile}", "--mac-algorithm", "HMAC_SHA_256"));
            verified.RootElement.GetProperty("MacValid").GetBoolean().ShouldBeTrue();
            File.Delete(macFile);
        }
        finally
        {
            File.Delete(file);
        }
        _kms.Requests.ShouldAllBe(r => r.Signature.Valid);
    }

    [Fact(Timeout = 120_000)]
    public async Task VerifyMac_WrongMac_FalseNotAnError()
    {
        var message = "plan"u8.ToArray();
        var mac = await Client().GenerateMacAsync(message, DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None);
        mac[0] ^= 1;

        (await Client().VerifyMacAsync(message, mac, DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None)).ShouldBeFalse();
    }

    [Fact(Timeout = 120_000)]
    public async Task GenerateMac_UnknownKey_AwsCallExceptionNamesTheCode()
    {
        var client = new KmsMacClient(new AwsHttp(new HttpClient(), new StaticCredentials(), TimeProvider.System, new RetryPolicy(MaxAttempts: 1)), _kms.Endpoint, "us-east-1", "alias/none");

        var e = await Should.ThrowAsync<AwsCallException>(() => client.GenerateMacAsync("plan"u8.ToArray(), DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None));

        e.Code.ShouldBe("NotFoundException");
    }
}
