import pytest

from artify_core.pipeline.chunks import Chunk, plan_chunks


@pytest.mark.parametrize("total,size,expected", [
    (250, 50, [(0, 50), (50, 100), (100, 150), (150, 200), (200, 250)]),
    (132, 50, [(0, 50), (50, 100), (100, 132)]),
    (105, 50, [(0, 50), (50, 105)]),  # a 5-frame tail joins the last chunk
    (7, 50, [(0, 7)]),
    (0, 50, []),
])
def test_plan_chunks_covers_every_frame(total, size, expected):
    chunks = plan_chunks(total, size)
    assert [(c.start, c.end) for c in chunks] == expected
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_chunk_size_must_be_positive():
    with pytest.raises(ValueError):
        plan_chunks(10, 0)


def test_chunk_frames():
    assert Chunk(0, 10, 25).frames == 15


def test_excerpt_chunks_follow_the_whole_video_grid():
    from artify_core.pipeline.chunks import plan_chunks

    whole = plan_chunks(1000, 100)
    excerpt = plan_chunks(1000, 100, start=250, end=530)
    assert [(c.index, c.start, c.end) for c in excerpt] == [(2, 250, 300), (3, 300, 400), (4, 400, 500),
                                                            (5, 500, 530)]
    assert excerpt[1:3] == whole[3:5]  # the same chunks, so the same cache keys
    assert plan_chunks(1000, 100, start=0, end=1000) == whole
    assert [(c.start, c.end) for c in plan_chunks(1010, 100, start=950)] == [(950, 1010)]  # tail joined
