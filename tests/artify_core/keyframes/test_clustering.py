import numpy as np
import pytest

from artify_core.keyframes.clustering import (
    ClusterConfig,
    SegmentSamples,
    cluster_styles,
    colour_statistics,
    medoid,
    sample_positions,
)
from artify_core.keyframes.features import hsv_histograms
from tests.artify_core.keyframes.synthetic import look, shot


def histogram_embed(images: np.ndarray) -> np.ndarray:
    """A stand-in style embedding: colour make-up, blind to framing, like a style should be.
    Different synthetic looks are 3.3-9.7 apart (median 5.9), hence FAKE_CONFIG's scale."""
    return hsv_histograms(images) * 10.0


FAKE_CONFIG = ClusterConfig(embedding_scale=5.9)


def samples_of(index: int, frames: np.ndarray, first_frame: int, count: int = 5) -> SegmentSamples:
    positions = sample_positions(0, len(frames), count)
    return SegmentSamples(index, positions + first_frame, frames[positions])


def test_sample_positions_spread_over_the_range():
    np.testing.assert_array_equal(sample_positions(0, 100, 5), [10, 30, 50, 70, 90])
    np.testing.assert_array_equal(sample_positions(10, 12, 5), [10, 11])
    np.testing.assert_array_equal(sample_positions(7, 8, 3), [7])
    with pytest.raises(ValueError):
        sample_positions(5, 5, 3)


def test_a_b_a_gives_two_styles_with_a_ranges_merged():
    a1 = shot(look(1), 60, zoom=0.3, seed=1)
    b = shot(look(2), 50, zoom=0.3, pan=0.2, seed=2)
    a2 = shot(look(1), 40, zoom=0.2, pan=0.4, seed=3)  # the same look, framed differently
    samples = [samples_of(0, a1, 0), samples_of(1, b, 60), samples_of(2, a2, 110)]
    result = cluster_styles(samples, histogram_embed, config=FAKE_CONFIG)
    assert result.segment_styles == (0, 1, 0)
    assert [s.segments for s in result.styles] == [(0, 2), (1,)]
    assert 60 <= result.styles[1].keyframe < 110


def test_distinct_looks_stay_apart_and_ids_follow_first_appearance():
    samples = [samples_of(k, shot(look(seed), 30, zoom=0.2, seed=k), 30 * k) for k, seed in enumerate([4, 5, 6, 4])]
    result = cluster_styles(samples, histogram_embed, config=FAKE_CONFIG)
    assert result.segment_styles == (0, 1, 2, 0)


def test_single_scene():
    result = cluster_styles([samples_of(0, shot(look(3), 20), 0)], histogram_embed, config=FAKE_CONFIG)
    assert result.segment_styles == (0,) and len(result.styles) == 1


def test_keyframe_is_the_medoid_sample_nearest_the_centroid():
    frames = shot(look(1), 5)
    vectors = np.array([[0.0, 0.0], [10.0, 0.0], [4.0, 1.0], [6.0, -1.0], [5.2, 0.1]], np.float32)
    assert medoid(vectors) == 4  # the mean is (5.04, 0.02)
    table = {int(frames[i].sum()): vectors[i] for i in range(5)}

    def lookup_embed(images):  # embeds each sample as its row of `vectors`
        return np.stack([table[int(image.sum())] for image in images])

    samples = [SegmentSamples(0, np.arange(100, 105), frames)]
    style, = cluster_styles(samples, lookup_embed, config=ClusterConfig(colour_weight=0.0)).styles
    assert style.keyframe == 104
    np.testing.assert_array_equal(style.embedding, vectors[4])


def test_colour_statistics_of_known_colours():
    white = np.full((1, 8, 8, 3), 255, np.uint8)
    red = np.zeros((1, 8, 8, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(colour_statistics(white)[0], [1, 0, 0, 0, 0, 0], atol=1e-3)
    stats = colour_statistics(red)[0]
    assert stats[1] > 0.7 and stats[2] > 0.6  # CIELAB red: a* = 80, b* = 67


def test_config_and_input_are_validated():
    with pytest.raises(ValueError, match="colour_weight"):
        ClusterConfig(colour_weight=1.5)
    with pytest.raises(ValueError, match="at least one sampled frame"):
        cluster_styles([], histogram_embed)
