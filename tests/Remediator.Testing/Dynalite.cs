using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Remediator.Function.State;

namespace Remediator.Testing;

/// <summary>
/// A dynalite (npm, a DynamoDB implementation; in memory, no --path) on 127.0.0.1 and a free port, one per test class
/// (an xunit class fixture): classes run in parallel and never share one, nor start one together. It is killed on
/// dispose. Everything that talks to it passes credentials, region and endpoint explicitly, and the process has
/// AWS_EC2_METADATA_DISABLED=true, so that no SDK call ever waits for an instance metadata service that is not there.
/// </summary>
public sealed class Dynalite : IDisposable
{
    /// <summary>Longest wait for dynalite to listen: a guard against a broken install only, generous for a loaded machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private int _tables;

    public Dynalite()
    {
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var cli = Path.Combine(Repository.Root, "node_modules", "dynalite", "cli.js");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"dynalite is not installed ({cli}): run 'npm ci' at the top of the repository, as .ci/run does");
        }
        // A free port is found by binding port 0 and releasing it: another process may take it before dynalite does,
        // so a dynalite that exits before listening means another try on a new port.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { cli, "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0", "--deleteTableMs", "0" })
            {
                psi.ArgumentList.Add(a);
            }
            var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (WaitListening(process))
            {
                _process = process;
                break;
            }
            Kill(process);
            if (attempt == 3)
            {
                throw new InvalidOperationException($"dynalite did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds:0} s (3 tries)");
            }
        }
        Client = NewClient(Endpoint);
    }

    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/");

    /// <summary>A client for setting up and inspecting tables.</summary>
    public AmazonDynamoDBClient Client { get; }

    /// <summary>A DynamoDB client as the function configures its own: explicit credentials, region and endpoint, one retry, 2 s per call.</summary>
    public static AmazonDynamoDBClient NewClient(Uri endpoint) => new(new BasicAWSCredentials(FakeSns.AccessKey, FakeSns.SecretKey), new AmazonDynamoDBConfig
    {
        ServiceURL = endpoint.ToString(),
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 1,
        Timeout = SharedStateSetup.CallTimeout,
    });

    /// <summary>A new, empty table as the stack creates it (string key pk, on demand); its name.</summary>
    public async Task<string> CreateTableAsync()
    {
        var name = $"remediator-state-{Interlocked.Increment(ref _tables)}";
        await Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition(DynamoDbSharedState.KeyAttribute, ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement(DynamoDbSharedState.KeyAttribute, KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        // dynalite answers CreateTable while the table is CREATING (for createTableMs, then a tick) and refuses item
        // calls until it is ACTIVE, as DynamoDB does: wait for ACTIVE, bounded.
        for (var i = 0; i < 600; i++)
        {
            if ((await Client.DescribeTableAsync(name)).Table.TableStatus == TableStatus.ACTIVE)
            {
                return name;
            }
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"table {name} did not become ACTIVE");
    }

    public void Dispose()
    {
        Client.Dispose();
        Kill(_process);
    }

    private bool WaitListening(Process process)
    {
        var until = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < until && !process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
