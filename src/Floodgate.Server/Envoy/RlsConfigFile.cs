namespace Floodgate.Server.Envoy;

/// <summary>One configuration file as it was read.</summary>
internal readonly record struct RlsConfigFile(string File, string Text);
