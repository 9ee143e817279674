"""The pipeline graph: parents, children, inputs, up- and downstream, order, cycles."""

import pytest

from jobs.errors import PipelineCycleError
from jobs.graph import Edge, PipelineGraph
from jobs.pipeline import PipelineSpec


def graph(nodes, wires):
    """A graph of `nodes` and edges given as ("a.out", "b.in") pairs."""
    return PipelineGraph(tuple(nodes), tuple(Edge.between(s, t) for s, t in wires))


# A diamond with a tail: top feeds left and right, both feed bottom, bottom feeds tail.
#        top
#       /   \
#    left   right
#       \   /
#       bottom -- tail
DIAMOND = graph(
    ["top", "left", "right", "bottom", "tail"],
    [
        ("top.dataset", "left.dataset"),
        ("top.dataset", "right.dataset"),
        ("left.out", "bottom.a"),
        ("right.out", "bottom.b"),
        ("bottom.out", "tail.dataset"),
    ],
)


def test_direct_parents_and_children_of_the_diamond():
    """Direct neighbours only, each once, in edge order."""
    assert DIAMOND.parents("bottom") == ["left", "right"]
    assert DIAMOND.children("top") == ["left", "right"]
    assert DIAMOND.parents("top") == []
    assert DIAMOND.children("tail") == []


def test_downstream_and_upstream_are_transitive_and_nearest_first():
    """Every node reached, each once (bottom is reached twice in the diamond), nearest first."""
    assert DIAMOND.downstream("top") == ["left", "right", "bottom", "tail"]
    assert DIAMOND.downstream("left") == ["bottom", "tail"]
    assert DIAMOND.upstream("tail") == ["bottom", "left", "right", "top"]
    assert DIAMOND.upstream("right") == ["top"]
    assert DIAMOND.downstream("tail") == [] and DIAMOND.upstream("top") == []


def test_order_puts_every_node_after_its_parents():
    """top first, tail last, bottom after both sides; the same every time."""
    order = DIAMOND.order()
    assert order == ["top", "left", "right", "bottom", "tail"]
    assert DIAMOND.order() == order


def test_order_does_not_depend_on_document_order_of_parents():
    """Nodes listed children-first still come out parents-first."""
    reversed_nodes = PipelineGraph(tuple(reversed(DIAMOND.nodes)), DIAMOND.edges)
    order = reversed_nodes.order()
    for edge in DIAMOND.edges:
        assert order.index(edge.source_node) < order.index(edge.target_node), edge


def test_a_cycle_has_no_order_and_is_named():
    """a -> b -> c -> a: PipelineCycleError names the loop; nodes off the loop do not matter."""
    looped = graph(
        ["start", "a", "b", "c"],
        [("start.x", "a.x"), ("a.x", "b.x"), ("b.x", "c.x"), ("c.x", "a.y")],
    )
    with pytest.raises(PipelineCycleError) as caught:
        looped.order()
    cycle = caught.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"} and len(cycle) == 4
    assert "The pipeline has a cycle" in str(caught.value)


def test_walks_end_on_a_cycle():
    """Up- and downstream stop where the loop closes and leave out the start node."""
    looped = graph(["a", "b", "c"], [("a.x", "b.x"), ("b.x", "c.x"), ("c.x", "a.x")])
    assert looped.downstream("a") == ["b", "c"]
    assert looped.upstream("a") == ["c", "b"]
    assert list(looped.first_inputs("a", prefer="x")) == ["a", "c", "b"]


def test_depths_are_the_longest_line_of_feeding_nodes():
    """The diamond's rows by hand: top 0, left/right 1, bottom 2, tail 3; a skip edge from top
    to bottom does not pull bottom up; a cycle is cut where the walk comes back."""
    assert DIAMOND.depths() == {"top": 0, "left": 1, "right": 1, "bottom": 2, "tail": 3}
    skipping = graph(
        ["top", "left", "bottom"],
        [("top.x", "left.x"), ("left.x", "bottom.a"), ("top.x", "bottom.b")],
    )
    assert skipping.depths() == {"top": 0, "left": 1, "bottom": 2}
    looped = graph(["a", "b"], [("a.x", "b.x"), ("b.x", "a.x")])
    depths = looped.depths()
    assert set(depths) == {"a", "b"} and sorted(depths.values()) == [0, 1]


def test_inputs_keep_the_first_edge_into_a_port():
    """Two edges into one input (invalid, but a draft may have it): the first one counts."""
    doubled = graph(["a", "b", "c"], [("a.out", "c.in"), ("b.out", "c.in"), ("b.out", "c.other")])
    assert {port: e.source for port, e in doubled.inputs("c").items()} == {
        "in": "a.out",
        "other": "b.out",
    }


def test_first_inputs_prefer_the_named_port():
    """The line up follows input `prefer` when it is connected, else the node's first input."""
    model = graph(
        ["cars", "learner", "train", "score"],
        [
            ("learner.model", "train.untrained_model"),
            ("cars.dataset", "train.dataset"),
            ("train.trained_model", "score.trained_model"),
            ("cars.dataset", "score.dataset"),
        ],
    )
    assert list(model.first_inputs("score", prefer="dataset")) == ["score", "cars"]
    assert list(model.first_inputs("score", prefer="nothing")) == ["score", "train", "learner"]


def test_spec_graph_and_document_graph_agree():
    """A parsed spec's graph equals the graph read leniently from its document."""
    document = {
        "nodes": [
            {"id": "cars", "dataset": "automobile-price"},
            {"id": "split", "component": "split_data"},
            {"id": "clean", "component": "clean_missing_data"},
        ],
        "edges": [
            {"source": "cars.dataset", "target": "clean.dataset"},
            {"source": "clean.cleaned_dataset", "target": "split.dataset"},
        ],
    }
    spec = PipelineSpec.from_dict(document)
    assert spec.graph == PipelineGraph.of_document(document)
    assert spec.graph.order() == ["cars", "clean", "split"]
    assert spec.graph.downstream("cars") == ["clean", "split"]


def test_document_graph_skips_what_does_not_parse():
    """A draft's malformed nodes and edges are left out rather than raising."""
    document = {
        "nodes": [{"id": "a"}, {"id": 5}, "junk", {"id": "b"}],
        "edges": [{"source": "a.x", "target": "b.y"}, {"source": 1}, "junk"],
    }
    found = PipelineGraph.of_document(document)
    assert found.nodes == ("a", "b")
    assert found.children("a") == ["b"]
    assert PipelineGraph.of_document({}).order() == []
