using FuncCnn.Core;
namespace FuncCnn;

/// <summary>The nonlinearity a layer applies to its output.</summary>
public enum Activation
{
    /// <summary>No nonlinearity (the identity).</summary>
    Linear,
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>The hyperbolic tangent.</summary>
    Tanh,
    /// <summary>The logistic sigmoid.</summary>
    Sigmoid,
    /// <summary>Softmax over the features of a flat output (needs a flat input).</summary>
    Softmax,
}

/// <summary>How a convolution pads its input (Keras' names).</summary>
public enum Padding
{
    /// <summary>No padding: the output shrinks by kernel size - 1.</summary>
    Valid,
    /// <summary>Output size = ceil(input / stride) for Conv2D, input * stride for Conv2DTranspose.</summary>
    Same,
}

/// <summary>The update rule training uses.</summary>
public enum Optimizer
{
    /// <summary>Adam with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7).</summary>
    Adam,
    /// <summary>Stochastic gradient descent, with <see cref="TrainingOptions.Momentum"/> (0 = plain SGD).</summary>
    Sgd,
}

/// <summary>The quantity early stopping watches.</summary>
public enum StoppingMetric
{
    /// <summary>The validation loss (lower is better); needs validation data.</summary>
    ValidationLoss,
    /// <summary>The validation accuracy (higher is better); needs validation data.</summary>
    ValidationAccuracy,
    /// <summary>The training loss (lower is better).</summary>
    TrainingLoss,
    /// <summary>The training accuracy (higher is better).</summary>
    TrainingAccuracy,
}
