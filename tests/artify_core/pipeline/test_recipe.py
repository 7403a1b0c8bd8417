"""The chunk recipe: built from a run's request, sized for a video by the chunk stage."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.stylize import fitted
from artify_core.settings import VideoRequest
from artify_core.temporal.settings import SmoothingSettings, settings_from_options


def test_a_request_gives_the_recipe_of_its_pixel_settings():
    request = VideoRequest(content="clip.mp4", style=["starrynight.jpg"], height=144, strength=0.5,
                           style_scale=2.0)
    recipe = ChunkRecipe.from_request(request, [12, 40])
    assert (recipe.height, recipe.strength, recipe.style_scale) == (144, 0.5, 2.0)
    assert recipe.smoothing == settings_from_options(request.smoothing) and recipe.smoothing_on
    assert recipe.cuts == (12, 40)
    assert (recipe.overlap, recipe.batch_frames) == (None, None)  # the chunk stage sizes them


def test_without_smoothing_the_recipe_smooths_nothing():
    request = VideoRequest.model_validate({"content": "clip.mp4", "style": ["s.jpg"], "smoothing": {"smooth": False}})
    assert not ChunkRecipe.from_request(request, []).smoothing_on
    assert not ChunkRecipe(smoothing=SmoothingSettings(strength=0.0)).smoothing_on


def test_cuts_become_a_tuple_so_recipes_compare_and_travel_to_workers():
    recipe = ChunkRecipe(cuts=[3, 9])
    assert recipe.cuts == (3, 9) and recipe == ChunkRecipe(cuts=(3, 9))
    assert pickle.loads(pickle.dumps(recipe)) == recipe


def test_fitted_sizes_batches_and_the_smoother_for_the_output():
    info = SimpleNamespace(width=640, height=272, path="clip.mp4")
    sized = fitted(ChunkRecipe(height=136, style_scale=2.0), info)
    assert sized.batch_frames >= 1
    assert sized.smoothing.sized and sized.smoothing.style_scale == 2.0
    assert fitted(ChunkRecipe(batch_frames=4, smoothing=None), info) == ChunkRecipe(batch_frames=4, smoothing=None)
