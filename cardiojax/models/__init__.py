"""The model zoo: pure flax.linen modules, one family per file.

Every model is `Model(num_outputs=..., dtype=jnp.float32, ...)` and is called as
`outputs, intermediates = model.apply(variables, x, train=...)` with x (B, T, C);
outputs are raw (logits or values); intermediates are named feature maps. `MODELS`
maps a config name to a class or a `functools.partial` factory; docs/models.md (made
by experiments/model_card.py) lists sources, input contracts, sizes and FLOPs.
"""

from cardiojax.models.autoencoder import ConvAutoencoder
from cardiojax.models.cnn import DeepCNN
from cardiojax.models.cnn import DilatedCNNBiLSTM
from cardiojax.models.cnn import KachueeResNet
from cardiojax.models.fft_alexnet import FFTAlexNet
from cardiojax.models.fft_alexnet import FFTAlexNetReduced
from cardiojax.models.inception import Inception1D
from cardiojax.models.intracardiac import ECGToActivation
from cardiojax.models.intracardiac import ECGToVm
from cardiojax.models.mlresnet import MLResNet
from cardiojax.models.recurrent import BiLSTM
from cardiojax.models.recurrent import BiLSTMPooled
from cardiojax.models.recurrent import GRU
from cardiojax.models.recurrent import LSTM
from cardiojax.models.recurrent import RecurrentNet
from cardiojax.models.recurrent import VanillaRNN
from cardiojax.models.resnet import ResNet18
from cardiojax.models.resnet import ResNet1D
from cardiojax.models.resnet import ResNet34
from cardiojax.models.ribeiro import RibeiroResNet
from cardiojax.models.squeezenet import SqueezeNet1D
from cardiojax.models.transformer import Transformer1D
from cardiojax.models.unet import UNet1D
from cardiojax.models.unet import UResNet1D
from cardiojax.models.xresnet import XResNet1D
from cardiojax.models.xresnet import XResNet1D18
from cardiojax.models.xresnet import XResNet1D34
from cardiojax.models.xresnet import XResNet1D50
from cardiojax.models.xresnet import XResNet1D101

MODELS = {
    # Recurrent.
    "rnn": VanillaRNN,
    "lstm": LSTM,
    "gru": GRU,
    "bilstm": BiLSTM,
    "bilstm_pooled": BiLSTMPooled,
    # Convolutional.
    "deep_cnn": DeepCNN,
    "kachuee_resnet": KachueeResNet,
    "dilated_cnn_bilstm": DilatedCNNBiLSTM,
    "fft_alexnet": FFTAlexNet,
    "fft_alexnet_reduced": FFTAlexNetReduced,
    "squeezenet1d": SqueezeNet1D,
    # Residual 12-lead.
    "resnet18": ResNet18,
    "resnet34": ResNet34,
    "ribeiro_resnet": RibeiroResNet,
    "ml_resnet": MLResNet,
    "xresnet1d18": XResNet1D18,
    "xresnet1d34": XResNet1D34,
    "xresnet1d50": XResNet1D50,
    "xresnet1d101": XResNet1D101,
    "inception1d": Inception1D,
    # Attention and generative.
    "transformer": Transformer1D,
    "conv_autoencoder": ConvAutoencoder,
    # Dense output.
    "unet1d": UNet1D,
    "uresnet1d": UResNet1D,
    "ecg_to_vm": ECGToVm,
    "ecg_to_activation": ECGToActivation,
}
