using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests.Errors;

/// <summary>What a user sees of text that came from a file: printable, on one line, bounded.</summary>
public sealed class MessageTextTests
{
    [Theory]
    [InlineData("conv.0.weight", "conv.0.weight")]
    [InlineData("evil\nname", "evil\\nname")]
    [InlineData("\u001b[31mred", "\\x1b[31mred")]
    [InlineData("a\r\tb\0c\u007f", "a\\r\\tb\\x00c\\x7f")]
    [InlineData("c1\u009bx", "c1\\x9bx")]
    [InlineData("line\u2028sep \u202eevil", "line\\u2028sep \\u202eevil")]
    [InlineData("ünïcødé 名前", "ünïcødé 名前")]
    public void Control_characters_are_escaped_and_everything_else_kept(string text, string shown) =>
        Assert.Equal(shown, MessageText.Escape(text));

    [Fact]
    public void Long_text_keeps_its_start_and_end_around_a_middle_ellipsis()
    {
        Assert.Equal("abcdefghij", MessageText.Shorten("abcdefghij", 10));
        Assert.Equal("abcd…ghij", MessageText.Shorten("abcdefghij", 9));
        Assert.Equal("…", MessageText.Shorten("abcdefghij", 1));
        // A surrogate pair is never cut in half.
        Assert.Equal("…😀", MessageText.Shorten("😀😀😀😀", 4));
        Assert.Equal("a…c", MessageText.Shorten("a😀b😀c", 5));
    }

    [Fact]
    public void A_message_is_escaped_before_it_is_bounded()
    {
        string shown = MessageText.OneLine(new string('\n', 5000));
        Assert.Equal(MessageText.MessageLimit, shown.Length);
        Assert.StartsWith("\\n\\n", shown, StringComparison.Ordinal);
        Assert.Contains('…', shown);
        Assert.DoesNotContain('\n', shown);
    }
}
