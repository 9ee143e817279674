// The palette: datasets and components by category, searchable; drag an item onto the canvas to
// place it there, or click it to place it in view.
import { useState } from "react";

export const DRAG_TYPE = "application/x-flowbench-item";

function Item({ item, onAdd }) {
  return (
    <div
      className="fb-pal-item"
      draggable
      title={item.description || item.name}
      data-item={item.key}
      onDragStart={(event) => {
        event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(item.add));
        event.dataTransfer.effectAllowed = "move";
      }}
      onClick={() => onAdd(item.add, null)}
    >
      <span className="fb-pal-plus">+</span>
      <span className="fb-pal-name">{item.name}</span>
    </div>
  );
}

export default function Palette({ groups, onAdd, onGuide }) {
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState({});
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (item) => {
    const text = `${item.name} ${item.key} ${item.description || ""} ${item.category}`.toLowerCase();
    return words.every((w) => text.includes(w));
  };
  return (
    <div className="fb-palette">
      <div className="fb-pal-head">
        <input
          className="fb-pal-search"
          placeholder="Search components"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {onGuide ? (
          <button className="fb-pal-guide" type="button" onClick={onGuide}
            title="Which learner suits your problem? A short guide.">
            Which algorithm?
          </button>
        ) : null}
      </div>
      <div className="fb-pal-list">
        {groups.map((group) => {
          const items = group.items.map((i) => ({ ...i, category: group.category })).filter(matches);
          if (!items.length) return null;
          const expanded = words.length > 0 || open[group.category] ||
            (open[group.category] === undefined && group.open);
          return (
            <div className="fb-pal-group" key={group.category}>
              <div className="fb-pal-cat" data-category={group.category}
                onClick={() => setOpen({ ...open, [group.category]: !expanded })}>
                <span className="fb-pal-caret">{expanded ? "▾" : "▸"}</span>
                <span className="fb-pal-catname">{group.category}</span>
                <span className="fb-pal-count">{items.length}</span>
              </div>
              {expanded ? items.map((item) => <Item key={item.key} item={item} onAdd={onAdd} />) : null}
            </div>
          );
        })}
      </div>
      <div className="fb-pal-foot">Drag onto the canvas, or click to add</div>
    </div>
  );
}
