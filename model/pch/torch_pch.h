// Precompiled for every translation unit of the model library: LibTorch headers dominate compile time.
#pragma once
#include <torch/torch.h>
