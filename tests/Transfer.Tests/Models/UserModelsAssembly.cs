namespace Transfer.Tests.Models;

/// <summary>
/// tests/Fixtures.UserModels, a user's model assembly built with the tests and copied to user-models/ in
/// the test output (never referenced, so the test host knows nothing of it, as the transfer command does not).
/// </summary>
internal static class UserModelsAssembly
{
    /// <summary>The full path of UserModels.dll.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "user-models", "UserModels.dll");
}
