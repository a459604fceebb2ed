using TorchSharp;

namespace Transfer.Applying;

/// <summary>
/// The <c>adapt_channels</c> shape policy, with the semantics of timm's <c>adapt_input_conv</c>: a conv
/// weight [O, C, kh, kw] becomes [O, 1, kh, kw] by summing over its input channels, or [O, N, kh, kw] by
/// repeating its channels cyclically to N (channel j takes channel j mod C) and multiplying by C / N. The
/// arithmetic runs in float32 (float64 for a float64 source), as timm runs it in float32.
/// </summary>
internal static class ChannelAdapter
{
    /// <summary>The adapted weight; call inside a dispose scope, which owns the temporaries.</summary>
    public static torch.Tensor Adapt(torch.Tensor weight, long channels)
    {
        torch.Tensor w = weight.to_type(weight.dtype == torch.float64 ? torch.float64 : torch.float32);
        long given = w.shape[1];
        if (channels == 1)
        {
            return w.sum(1, keepdim: true);
        }

        long repeat = (channels + given - 1) / given;
        return w.repeat(1, repeat, 1, 1).narrow(1, 0, channels) * ((double)given / channels);
    }
}
