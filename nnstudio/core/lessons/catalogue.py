"""The course, lesson by lesson: what the Lessons menu lists and each lesson opens.

Each lesson names a bundled project (relative to the samples folder), the lab views it
opens (keys of ``nnstudio/gui/lab/registry.py``; a key not registered is skipped, so a
lesson still opens without its view) and the window's own panels it brings forward. The
order is the course's (``seed-notes`` §1–§11). Titles and tasks are marked for translation
here and translated where shown; a task says what to do, what to look at and which of the
lesson's numbers to find.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnstudio.i18n import N_


@dataclass(frozen=True)
class Lesson:
    """One lesson of the course."""

    key: str
    #: Menu and start-page title (English; translate with ``_()`` where shown).
    title: str
    #: The student's task (English; translate with ``_()`` where shown).
    task: str
    #: The lesson's project, relative to the samples folder, ``/`` separated.
    project: str
    #: Lab views it opens, by registry key.
    views: tuple[str, ...] = ()
    #: The window's own docks it brings forward (e.g. ``plots``).
    panels: tuple[str, ...] = ()


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "network",
        N_("Neuron and fully connected network"),
        N_(
            "A neuron computes z = w·x + b and a = f(z); a fully connected layer of n neurons "
            "with d inputs has n·(d+1) parameters. Look at the Model summary: the network "
            "3 → 3 → 2 → 2 has 12, 8 and 6 parameters, 26 in total, all trainable. Change a "
            "layer's units on the canvas and predict the new total before you look."
        ),
        "lessons/network_26.nnsproj",
        views=("summary",),
    ),
    Lesson(
        "activations",
        N_("Activation functions"),
        N_(
            "Compare each activation with its derivative on x in [-20, 20]. Find Sigmoid's "
            "largest slope 0.25 and where it saturates (beyond about ±6), Tanh's range "
            "(-1, 1), ReLU's slope 0 or 1, and Softmax turning the scores into probabilities "
            "(largest 0.7392, sum 1). Then swap the hidden layers' Sigmoid for ReLU and train."
        ),
        "lessons/activations.nnsproj",
        views=("activations",),
        panels=("plots",),
    ),
    Lesson(
        "initialization",
        N_("Weight initialisation"),
        N_(
            "The hidden layer starts from the constant 0.1: train and watch in the Neurons "
            "panel that every neuron learns the same thing. Then choose Kaiming/He normal "
            "(std = √(2/fan_in)) or Xavier/Glorot (std = √(2/(fan_in+fan_out))) in the "
            "Inspector and train again."
        ),
        "lessons/initialization.nnsproj",
        views=("initialization",),
        panels=("neurons",),
    ),
    Lesson(
        "losses",
        N_("Loss functions and Softmax"),
        N_(
            "The network passes the prediction column through unchanged (w = 1, b = 0): "
            "predictions [1, 1, 1.9], targets [2, 2, 2]. Find L1 = 0.70 and MSE = 0.67, "
            "SmoothL1 = 1.14 for [0.6, 0.4] against [0, 3], BCE = 0.6868 and CrossEntropy = "
            "1.1201. Why must no Softmax stand before CrossEntropyLoss?"
        ),
        "lessons/losses.nnsproj",
        views=("losses",),
    ),
    Lesson(
        "backprop",
        N_("Backpropagation, step by step"),
        N_(
            "Step through one training step of the 2-2-2 Sigmoid network: hidden outputs "
            "[0.593270, 0.596884], outputs [0.751365, 0.772928], loss 0.298371. Follow the "
            "chain rule to ∂E/∂w5 = 0.082167 and check that w5 becomes 0.358916 after the "
            "update with learning rate 0.5."
        ),
        "backprop_lesson.nnsproj",
        views=("backprop",),
    ),
    Lesson(
        "optimizers",
        N_("Optimisers"),
        N_(
            "Two steps on the loss w²/2 from w = 1: SGD with momentum 0.9 gives 0.99 then "
            "0.9711, AdaGrad 0.99 then 0.982965, RMSprop 0.968377 then 0.945788, Adam 0.99 "
            "then 0.980003. Compare their paths, then race SGD, Adam and RMSprop on the "
            "digits for 5 epochs (Train → Optimiser Race)."
        ),
        "lessons/optimizers.nnsproj",
        views=("optimizer_steps", "trajectories"),
    ),
    Lesson(
        "ewa",
        N_("Exponentially weighted average"),
        N_(
            "S_t = β·S_(t-1) + (1 − β)·Y_t over 30 days of temperatures: compare β = 0.5 with "
            "β = 0.9. The larger β, the smoother and the later the curve. Momentum (0.9 in "
            "this project's SGD) is this average of the gradients."
        ),
        "lessons/ewa.nnsproj",
        views=("ewa",),
    ),
    Lesson(
        "schedules",
        N_("Learning-rate schedules"),
        N_(
            "SGD with lr 0.1 and momentum 0.9 for 200 epochs. Plot the learning rate against "
            "the epoch for StepLR (step 50, γ 0.5), MultiStepLR (milestones 50, 125, 160, "
            "γ 0.5) and ExponentialLR (γ 0.95); choose one in Training setup and train."
        ),
        "lessons/schedules.nnsproj",
        views=("schedules",),
        panels=("plots",),
    ),
    Lesson(
        "dropout_bn",
        N_("Dropout and batch normalisation"),
        N_(
            "Dropout with p = 0.4 zeroes 40 % of the inputs while training and scales the "
            "survivors by 1/(1 − p); evaluation uses them all. BN normalises each batch "
            "(eps 1e-5), then scales by γ and shifts by β. This project also adds an L1 "
            "penalty λ = 0.001 and early stopping (patience 5)."
        ),
        "lessons/dropout_bn.nnsproj",
        views=("dropout_bn",),
        panels=("plots",),
    ),
    Lesson(
        "perceptron",
        N_("Perceptron"),
        N_(
            "One step unit z = w·x + b learns with Rosenblatt's rule w ← w + η(y − ŷ)x. "
            "Train on the two separable clusters and watch the boundary settle; it "
            "converges because a straight line separates the classes."
        ),
        "perceptron.nnsproj",
        views=("perceptron",),
    ),
    Lesson(
        "xor",
        N_("XOR with step units"),
        N_(
            "No single line separates XOR. The hand-weighted 2-2-1 step network (W1 = ones, "
            "b1 = [−1.5, −0.5], W2 = [−1, 1], b2 = −0.5) outputs [0, 1, 1, 0]. Train it: "
            "nothing changes, because the step's gradient is zero."
        ),
        "xor_step.nnsproj",
        views=("perceptron",),
    ),
    Lesson(
        "phone_untuned",
        N_("Phone prices: the untuned recipe"),
        N_(
            "20 → 128 → 256 → 4 Sigmoid, raw inputs, SGD lr 1e-3, batch 8, 50 epochs, split "
            "80/20 (seed 88). The lesson reaches only 0.5475 test accuracy. Look at the "
            "feature ranges and train. The bundled CSV is synthetic: load the real "
            "mobile_price_train.csv with File → Load CSV."
        ),
        "lessons/phone_untuned.nnsproj",
        views=("preprocessing",),
        panels=("plots",),
    ),
    Lesson(
        "phone_tuned",
        N_("Phone prices: the tuned recipe"),
        N_(
            "Standardised inputs, Adam lr 1e-4, 20 → 128 → 256 → 512 → 128 → 4 Sigmoid, "
            "batch 8, 50 epochs: the lesson reaches 0.9625. Train and compare the curves "
            "with the untuned recipe; which change matters most?"
        ),
        "lessons/phone_tuned.nnsproj",
        views=("preprocessing",),
        panels=("plots",),
    ),
    Lesson(
        "linear_regression",
        N_("Linear regression with one neuron"),
        N_(
            "One neuron without activation is a straight line y = w·x + b. Train it on the "
            "noisy line (true slope 2, intercept 1) and read w and b in the Inspector; "
            "change the learning rate and the epochs and see how the fit changes."
        ),
        "lessons/linear_regression.nnsproj",
        panels=("plots",),
    ),
    Lesson(
        "digits",
        N_("Classifying handwritten digits"),
        N_(
            "Softmax and cross-entropy on 8×8 digits (the offline stand-in for MNIST): 64 "
            "pixel inputs, 10 classes. Train, then read the accuracy curves: how many epochs "
            "until the validation accuracy stops rising?"
        ),
        "digits.nnsproj",
        panels=("plots",),
    ),
)


def lesson(key: str) -> Lesson:
    """The lesson with ``key`` (KeyError names it if there is none)."""
    for item in LESSONS:
        if item.key == key:
            return item
    raise KeyError(key)


def find_lesson(key: str) -> Lesson | None:
    """The lesson with ``key``, or None (a file may name a lesson this version lacks)."""
    try:
        return lesson(key)
    except KeyError:
        return None


__all__ = ["LESSONS", "Lesson", "find_lesson", "lesson"]
