"""A VGG19 feature extractor for SRGAN's content loss, when the ImageNet weights can be had.

SRGAN (Ledig et al., 2017) compares a super-resolved image with the original in the feature
space of VGG19 trained on ImageNet ("VGG22": the output of ``block2_conv2``, "VGG54": of
``block5_conv4``). Those weights (80 MB) are not on the course's offline machines, so
:func:`vgg_features` loads them from Keras's cache if they are there, downloads them when the
network answers (:func:`gankit.download.download`: bounded in time, checked by MD5 before the
file is kept), and otherwise raises a ``RuntimeError`` within seconds, so that a notebook can
fall back on a documented substitute.
"""

from __future__ import annotations

from pathlib import Path

import keras

from gankit import download
from gankit.data.sources import keras_home

VGG19_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
VGG19_MD5 = "253f8cb515780f3b799900260a226db6"  # as in keras.applications.vgg19
VGG19_BYTES = 80_134_624


def weights_path() -> Path:
    """Where Keras caches the VGG19 weights: ``$KERAS_HOME/models/`` (default ``~/.keras``)."""
    return keras_home() / "models" / VGG19_URL.rsplit("/", 1)[1]


def _fetch_weights(timeout: float, url: str = VGG19_URL) -> Path:
    """The weights file: from the cache, else downloaded (bounded); RuntimeError when neither works."""
    path = weights_path()
    if path.is_file():
        return path
    if download.offline_mode():
        raise RuntimeError(
            f"VGG19 ImageNet weights are not cached at {path} and GANKIT_OFFLINE is on. Copy the file "
            f"there (from {url}) or unset GANKIT_OFFLINE on a machine with network."
        )
    try:
        download.download(
            url, path, timeout=timeout, max_bytes=VGG19_BYTES + 1_000_000, total_s=600.0, md5=VGG19_MD5
        )
    except download.ChecksumError:
        raise RuntimeError(f"the VGG19 weights from {url} fail the MD5 check; not kept, try again.") from None
    except download.DownloadError as error:
        raise RuntimeError(
            f"VGG19 ImageNet weights: not cached at {path}, and the download {error}. Copy the file there "
            f"(from {url}) or use a content loss that needs no pretrained network."
        ) from None
    return path


def vgg_features(layer: str = "block2_conv2", timeout: float = 5.0) -> keras.Model:
    """VGG19 (ImageNet weights) up to ``layer``, frozen, taking images in [0, 1].

    Args:
        layer: a VGG19 layer name; ``"block2_conv2"`` is SRGAN's VGG22, ``"block5_conv4"`` its VGG54.
        timeout: seconds without network progress before the download gives up.

    Returns:
        A model ``(batch, h, w, 3)`` in [0, 1] -> features ``(batch, h', w', channels)``
        (VGG's own preprocessing, RGB -> BGR minus the ImageNet mean, is inside).

    Raises:
        RuntimeError: if the weights are not cached and cannot be downloaded (offline: within
            about ``2 * timeout`` seconds).
        ValueError: on an unknown layer.
    """
    path = _fetch_weights(timeout)
    vgg = keras.applications.VGG19(include_top=False, weights=str(path))
    names = [item.name for item in vgg.layers]
    if layer not in names:
        raise ValueError(f"unknown VGG19 layer {layer!r}; choose one of {names[1:]}.")
    vgg.trainable = False
    images = keras.Input((None, None, 3))
    bgr = keras.ops.flip(images * 255.0, axis=-1) - keras.ops.convert_to_tensor([103.939, 116.779, 123.68])
    features = keras.Model(vgg.inputs, vgg.get_layer(layer).output)(bgr)
    return keras.Model(images, features, name=f"vgg19_{layer}")
