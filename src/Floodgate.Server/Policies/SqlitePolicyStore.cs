using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Floodgate.Server.Policies;

/// <summary>Policies in an SQLite file (<c>Floodgate:Policies:Path</c>, default <c>floodgate.db</c> in the working directory).</summary>
internal sealed class SqlitePolicyStore : IPolicyStore, IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _write = new(1, 1);

    public SqlitePolicyStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS policies (id TEXT PRIMARY KEY, document TEXT NOT NULL, updated_at TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    public event Action? Changed;

    public async Task<IReadOnlyList<PolicyDocument>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM policies ORDER BY id";
        var list = new List<PolicyDocument>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (JsonSerializer.Deserialize(reader.GetString(0), ServerJsonContext.Default.PolicyDocument) is { } policy)
            {
                list.Add(policy);
            }
        }

        return list;
    }

    public async Task SaveAsync(PolicyDocument policy, CancellationToken cancellationToken = default)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            await using var connection = Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO policies (id, document, updated_at) VALUES ($id, $document, $updated) ON CONFLICT(id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at";
            command.Parameters.AddWithValue("$id", policy.Id);
            command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(policy, ServerJsonContext.Default.PolicyDocument));
            command.Parameters.AddWithValue("$updated", policy.UpdatedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _write.Release();
        }

        Changed?.Invoke();
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        int deleted;
        await _write.WaitAsync(cancellationToken);
        try
        {
            await using var connection = Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM policies WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            _write.Release();
        }

        if (deleted > 0)
        {
            Changed?.Invoke();
        }

        return deleted > 0;
    }

    public void Dispose() => _write.Dispose();

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
