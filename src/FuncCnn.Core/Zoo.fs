/// Named presets for every architecture of the teaching notebooks. Classifiers end in logits
/// (no softmax layer): the training loop uses the fused cross-entropy, `predict` applies softmax.
/// Input shapes are (C,H,W) without the batch.
module FuncCnn.Core.Zoo

open FuncCnn

open FuncCnn.Core
open FuncCnn.Core.Layers

/// MNIST-sized input: one channel, 28x28.
let mnistInput = [| 1; 28; 28 |]

/// The O-vs-X letters: one channel, 6x6.
let lettersInput = [| 1; 6; 6 |]

/// The seed CNN (PyTorch reference, 121,930 parameters): conv 32@3x3 relu, pool, conv 64@3x3 relu,
/// pool, flatten (C,H,W), dense 64 relu, dense 10. Layers are named like the reference fixture.
let seedCnn: Architecture =
    named "conv1" (conv2d 32 3 relu) --> named "pool1" (maxPool 2)
    --> named "conv2" (conv2d 64 3 relu) --> named "pool2" (maxPool 2)
    --> named "flatten" flatten
    --> named "dense1" (dense 64 relu)
    --> named "dense2" (dense 10 linear)

/// The 5x5 MNIST model with dropout (37,610 parameters): conv 8@5x5, pool, conv 16@5x5, pool,
/// dense 128, dropout 0.5, dense 10.
let mnist5x5: Architecture =
    conv2d 8 5 relu --> maxPool 2 --> conv2d 16 5 relu --> maxPool 2 --> flatten
    --> dense 128 relu --> dropout 0.5f --> dense 10

/// The four-convolution "same"-padded MNIST model (97,802 parameters): conv 16, 32, 64 @3x3 same,
/// each followed by pooling, conv 64@3x3 same, dense 64, dense 10.
let mnistSame: Architecture =
    conv2dSame 16 3 relu --> maxPool 2 --> conv2dSame 32 3 relu --> maxPool 2
    --> conv2dSame 64 3 relu --> maxPool 2 --> conv2dSame 64 3 relu --> flatten
    --> dense 64 relu --> dense 10

/// The model with dropout 0.5 (93,322 parameters): conv 32@3x3, pool, conv 64@3x3, pool,
/// conv 64@3x3, dense 64, dropout 0.5, dense 10.
let mnistDropout: Architecture =
    conv2d 32 3 relu --> maxPool 2 --> conv2d 64 3 relu --> maxPool 2 --> conv2d 64 3 relu --> flatten
    --> dense 64 relu --> dropout 0.5f --> dense 10

/// The Fashion-MNIST CNN (69,798 parameters): conv 64@3x3, pool, conv 64@3x3, pool, dense 20, dense 10.
let fashionCnn: Architecture =
    conv2d 64 3 relu --> maxPool 2 --> conv2d 64 3 relu --> maxPool 2 --> flatten --> dense 20 relu --> dense 10

/// The QuickDraw model (500,985 parameters): conv 32@5x5 same, pool, conv 32@3x3 same, pool,
/// conv 64@3x3 same, pool, dense 512, dense 345.
let quickDraw: Architecture =
    conv2dSame 32 5 relu --> maxPool 2 --> conv2dSame 32 3 relu --> maxPool 2
    --> conv2dSame 64 3 relu --> maxPool 2 --> flatten --> dense 512 relu --> dense 345

/// The dense-only Fashion-MNIST model (15,910 parameters): flatten, dense 20, dense 10.
let fashionDense: Architecture = flatten --> dense 20 relu --> dense 10

/// The from-scratch O-vs-X network (40 parameters on 6x6 letters): one 3x3 filter with bias, relu,
/// 2x2 pool, dense 4, dense 2.
let oVsX: Architecture =
    conv2d 1 3 relu --> maxPool 2 --> flatten --> dense 4 relu --> dense 2

/// The autoencoder decoder (259,521 parameters on a 64-feature code): dense 7*7*64 relu,
/// reshape (64,7,7), Conv2DTranspose 64@3x3 stride 2 same relu, Conv2DTranspose 32@3x3 stride 2
/// same relu, Conv2DTranspose 1@3x3 same tanh → (1,28,28).
let decoder: Architecture =
    dense (7 * 7 * 64) relu --> reshape [| 64; 7; 7 |]
    --> conv2dTranspose 64 3 2 relu --> conv2dTranspose 32 3 2 relu --> conv2dTranspose 1 3 1 tanh

/// Every preset with its name and input shape (C,H,W); the decoder takes a 64-feature code.
let presets: (string * Architecture * int[]) list =
    [ "seed-cnn", seedCnn, mnistInput
      "mnist-5x5", mnist5x5, mnistInput
      "mnist-same", mnistSame, mnistInput
      "mnist-dropout", mnistDropout, mnistInput
      "fashion-cnn", fashionCnn, mnistInput
      "quickdraw", quickDraw, mnistInput
      "fashion-dense", fashionDense, mnistInput
      "o-vs-x", oVsX, lettersInput
      "decoder", decoder, [| 64 |] ]

/// The architecture with its output layer (the last Dense, possibly followed by an activation)
/// resized to `classes` outputs, as the notebooks' `num_classes = len(categories)` does.
let withClasses (classes: int) (arch: Architecture) : Architecture =
    if classes < 1 then Fail.value "the number of classes must be at least 1, got %d" classes
    match List.rev arch.Specs with
    | Dense d :: rest -> { Specs = List.rev (Dense { d with Units = classes } :: rest) }
    | (ActivationLayer _ as a) :: Dense d :: rest -> { Specs = List.rev (a :: Dense { d with Units = classes } :: rest) }
    | last :: _ -> Fail.value "the model ends in %s, not in a Dense output layer, so it has no number of classes to set" (Layer.describe last)
    | [] -> Fail.value "a model needs at least one layer"

/// A preset by name, or an error listing the names.
let preset (name: string) =
    match presets |> List.tryFind (fun (n, _, _) -> n = name) with
    | Some(_, arch, input) -> arch, input
    | None -> Fail.value "no preset '%s'; the presets are: %s" name (presets |> List.map (fun (n, _, _) -> n) |> String.concat ", ")

/// Where an autoencoder cuts a classifier by default: its last hidden Dense layer (the last Dense
/// before the output layer; `dense1` in the seed CNN preset, `dense` in a ModelBuilder-built one).
let defaultCut (classifier: Model) : string =
    let hidden = classifier.Layers |> List.take (max 0 (classifier.Layers.Length - 1))
    match hidden |> List.filter (fun l -> match l.Spec with Dense _ -> true | _ -> false) |> List.tryLast with
    | Some l -> l.Name
    | None ->
        Fail.value "the model has no hidden Dense layer to cut an encoder at (such as the seed CNN's dense1); name the layer to cut at; its layers are: %s"
            (classifier.Layers |> List.map (fun l -> l.Name) |> String.concat ", ")

/// A classifier's encoder (its layers up to and including `cut`, with their parameters) under the
/// decoder: an autoencoder to train with binary cross-entropy against the input pixels, with only
/// the decoder trainable. Returns the model and the trainable-path predicate. The cut layer must
/// give a flat code (features).
let autoencoderAt (rng: Rng) (cut: string) (classifier: Model) : Model * (string -> bool) =
    let encoder = Model.truncateAfter cut classifier
    if encoder.OutputShape.Length <> 1 then
        Fail.value "layer '%s' outputs %s, not a flat code: cut at a layer with a flat output (a Dense layer, or Flatten)" cut (Shape.show encoder.OutputShape)
    let frozenNames = encoder.Layers |> List.map (fun l -> l.Name)
    Model.extend rng decoder encoder, Model.frozen frozenNames

/// The autoencoder cut at the classifier's last hidden Dense layer (see defaultCut, autoencoderAt).
let autoencoderFrom (rng: Rng) (classifier: Model) : Model * (string -> bool) =
    autoencoderAt rng (defaultCut classifier) classifier
